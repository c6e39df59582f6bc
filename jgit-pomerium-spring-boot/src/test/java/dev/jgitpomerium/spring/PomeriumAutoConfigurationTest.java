package dev.jgitpomerium.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.JwtIssuer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.testkit.RecordedConnect;
import dev.jgitpomerium.testkit.TestRepositories;
import dev.jgitpomerium.transport.InvalidSettingException;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.Route;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * The auto-configuration in an application context as Spring Boot builds it, against the testkit's Pomerium gateway
 * and SSH git server: the bean the properties make really clones through Pomerium, and what goes wrong is reported
 * as Spring Boot reports a bad property.
 */
class PomeriumAutoConfigurationTest {
  private static final String HOST = "git.corp.example.com";
  private static final String TOKEN = "spring-service-account-jwt";
  private static final String URI = "ssh://git@" + HOST + "/config-repo.git";

  @TempDir
  static Path dir;
  static GitSshServer ssh;
  static PomeriumGateway gateway;
  static Path caFile;
  static Path tokenFile;
  static Path home;
  static ObjectId head;

  @BeforeAll
  static void startGatewayAndServer() throws Exception {
    ssh = GitSshServer.start(dir.resolve("server"));
    try (Repository origin = ssh.createBareRepository("config-repo.git")) {
      head = TestRepositories.commitFiles(origin, 1, 64, 7);
    }
    gateway = PomeriumGateway.builder().requireToken(TOKEN).route(HOST + ":22", ssh.address()).start();
    caFile = gateway.writeCaCertificate(dir.resolve("pomerium-ca.pem"));
    tokenFile = Files.writeString(dir.resolve("pomerium-token"), TOKEN + "\n");
    home = Files.createDirectories(dir.resolve("home"));
    ssh.writeUserIdentity(home.resolve(".ssh"));
    Files.writeString(home.resolve(".ssh/known_hosts"), HOST + " " + PublicKeyEntry.toString(ssh.hostPublicKey())
        + "\n");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (ssh != null) {
      ssh.close();
    }
  }

  /**
   * Spring Boot with this auto-configuration, seeing {@code variables} (and none of this machine's) as its
   * environment.
   */
  private static ApplicationContextRunner runner(Map<String, Object> variables) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(PomeriumAutoConfiguration.class))
        .withInitializer(context -> context.getEnvironment().getPropertySources().replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                variables)));
  }

  private static ApplicationContextRunner runner() {
    return runner(Map.of());
  }

  /** The testkit's home directory (key, known_hosts): what only code can set, through a customizer bean. */
  @Configuration(proxyBeanMethods = false)
  static class TestHome {
    @Bean
    PomeriumSshSessionFactoryCustomizer testHome() {
      return builder -> builder.homeDirectory(home.toFile()).sshDirectory(home.resolve(".ssh").toFile());
    }
  }

  private static ObjectId cloneThrough(TransportConfigCallback callback, String directory) throws Exception {
    try (Git clone = Git.cloneRepository().setURI(URI).setDirectory(dir.resolve(directory).toFile())
        .setTransportConfigCallback(callback).call()) {
      return clone.getRepository().resolve("HEAD");
    }
  }

  @Test
  void thePropertiesMakeAFactoryBeanThatClonesThroughPomerium() throws Exception {
    runner()
        .withUserConfiguration(TestHome.class)
        .withPropertyValues(
            "jgit.pomerium.routes=" + HOST + ":22",
            "jgit.pomerium.url=" + gateway.url(),
            "jgit.pomerium.token-file=" + tokenFile,   // Spring's kebab case
            "jgit.pomerium.caFile=" + caFile,          // the system property's own name
            "jgit.pomerium.connect-timeout=5s")
        .run(context -> {
          assertThat(context).hasSingleBean(PomeriumSshSessionFactory.class);
          assertThat(context).hasSingleBean(TransportConfigCallback.class);
          PomeriumSshSessionFactory factory = context.getBean(PomeriumSshSessionFactory.class);
          assertThat(factory.routes()).containsExactly(Route.parse(HOST + ":22", gateway.url()));
          int before = gateway.requestCount();
          assertThat(cloneThrough(factory, "clone-properties")).isEqualTo(head);
          List<RecordedConnect> connects = gateway.requests().subList(before, gateway.requestCount());
          assertThat(connects).extracting(RecordedConnect::target).containsOnly(HOST + ":22").isNotEmpty();
          assertThat(connects).extracting(RecordedConnect::authorization).containsOnly("Pomerium " + TOKEN);
        });
  }

  @Test
  void aKubernetesTokenFilePropertySendsTheProjectedToken() throws Exception {
    JwtIssuer cluster = new JwtIssuer("https://kubernetes.default.svc.cluster.local");
    gateway.trustJwtIssuer(cluster, "https://pomerium.corp.example.com");
    String token = cluster.mint("system:serviceaccount:config:config-server", "https://pomerium.corp.example.com");
    Path tokenFile = Files.writeString(dir.resolve("projected-token"), token);
    runner()
        .withUserConfiguration(TestHome.class)
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22", "jgit.pomerium.url=" + gateway.url(),
            "jgit.pomerium.ca-file=" + caFile, "jgit.pomerium.kubernetes-token-file=" + tokenFile)
        .run(context -> {
          int before = gateway.requestCount();
          assertThat(cloneThrough(context.getBean(PomeriumSshSessionFactory.class), "clone-kubernetes"))
              .isEqualTo(head);
          assertThat(gateway.requests().subList(before, gateway.requestCount()))
              .extracting(RecordedConnect::authorization).containsOnly("Bearer " + token);
        });
  }

  @Test
  void withoutSettingsTheApplicationIsLeftAlone() {
    runner().withPropertyValues("spring.application.name=demo").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(PomeriumSshSessionFactory.class);
    });
  }

  @Test
  void enabledFalseKeepsTheSettingsButMakesNoBean() {
    runner().withPropertyValues("jgit.pomerium.routes=" + HOST + ":22", "jgit.pomerium.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PomeriumSshSessionFactory.class));
  }

  @Test
  void theLibrarysEnvironmentVariablesConfigureASpringApplicationToo() {
    // The names of the library's README, as a host set up for the no-code route has them.
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put("JGIT_POMERIUM_ROUTES", HOST + ":22");
    variables.put("JGIT_POMERIUM_URL", gateway.url());
    variables.put("JGIT_POMERIUM_TOKEN_FILE", tokenFile.toString());
    variables.put("JGIT_POMERIUM_CA_FILE", caFile.toString());
    runner(variables).withUserConfiguration(TestHome.class).run(context -> {
      PomeriumSshSessionFactory factory = context.getBean(PomeriumSshSessionFactory.class);
      int before = gateway.requestCount();
      assertThat(cloneThrough(factory, "clone-environment")).isEqualTo(head);
      assertThat(gateway.requests().subList(before, gateway.requestCount()))
          .extracting(RecordedConnect::authorization).containsOnly("Pomerium " + TOKEN);
    });
  }

  @Test
  void anApplicationPropertyWinsOverTheEnvironmentVariable() {
    runner(Map.of("JGIT_POMERIUM_CONNECT_TIMEOUT", "soon"))
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22", "jgit.pomerium.connect-timeout=3s")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(PomeriumSshSessionFactory.class));
  }

  @Test
  void anApplicationsOwnFactoryWins() {
    PomeriumSshSessionFactory own = PomeriumSshSessionFactory.builder().route("own.example.com:22").build();
    runner()
        .withBean("ownFactory", PomeriumSshSessionFactory.class, () -> own, bean -> bean.setDestroyMethodName("close"))
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22")
        .run(context -> {
          assertThat(context).hasSingleBean(PomeriumSshSessionFactory.class);
          assertThat(context.getBean(PomeriumSshSessionFactory.class)).isSameAs(own);
        });
  }

  @Test
  void anApplicationsOwnTransportConfigCallbackWinsSoConfigServerStillHasOne() {
    TransportConfigCallback own = transport -> { };
    runner()
        .withBean(TransportConfigCallback.class, () -> own)
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22")
        .run(context -> {
          assertThat(context).doesNotHaveBean(PomeriumSshSessionFactory.class);
          assertThat(context.getBean(TransportConfigCallback.class)).isSameAs(own);
        });
  }

  @Test
  void aBadValueStopsTheStartNamingThePropertyAndWhereItWasSet() {
    runner()
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22", "jgit.pomerium.caFile=/nonexistent/ca.pem")
        .run(context -> {
          assertThat(context).hasFailed();
          Throwable failure = context.getStartupFailure();
          FailureAnalysis analysis = analyze(failure);
          assertThat(analysis.getDescription())
              .startsWith("jgit-pomerium cannot use jgit.pomerium.ca-file (")
              .contains("cannot read CA certificate file /nonexistent/ca.pem");
          assertThat(analysis.getAction()).startsWith("Correct jgit.pomerium.ca-file: ");
          PomeriumConfigurationException cause = (PomeriumConfigurationException) analysis.getCause();
          assertThat(cause.property()).isEqualTo("jgit.pomerium.ca-file");
          assertThat(cause.origin()).as("Spring's origin of the property").isNotBlank();
          assertThat(cause.getCause()).isInstanceOf(InvalidSettingException.class);
        });
  }

  @Test
  void aBadValueFromTheLibrarysEnvironmentVariableNamesTheVariable() {
    runner(Map.of("JGIT_POMERIUM_ROUTES", HOST + ":22", "JGIT_POMERIUM_SERVER_ALIVE_COUNT_MAX", "many"))
        .run(context -> assertThat(analyze(context.getStartupFailure()).getDescription())
            .isEqualTo("jgit-pomerium cannot use jgit.pomerium.server-alive-count-max (\"JGIT_POMERIUM_SERVER_ALIVE"
                + "_COUNT_MAX\" from property source \"systemEnvironment\"): not a number: 'many'"));
  }

  @Test
  void aBadForwardProxyIsReportedWithoutItsPassword() {
    runner()
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22",
            "jgit.pomerium.forward-proxy=socks4://alice:secret-part@proxy:1080")
        .run(context -> {
          FailureAnalysis analysis = analyze(context.getStartupFailure());
          assertThat(analysis.getDescription()).startsWith("jgit-pomerium cannot use jgit.pomerium.forward-proxy (")
              .contains("unsupported proxy scheme 'socks4' in 'socks4://***@proxy:1080'");
          for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain("secret-part");
          }
        });
  }

  @Test
  void aBadTokenIsReportedWithoutItsValue() {
    runner()
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22", "jgit.pomerium.token=secret-part\u0001rest")
        .run(context -> {
          FailureAnalysis analysis = analyze(context.getStartupFailure());
          assertThat(analysis.getDescription()).contains("jgit.pomerium.token").doesNotContain("secret-part");
          assertThat(context.getStartupFailure()).hasStackTraceContaining("jgit.pomerium.token");
          for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain("secret-part");
          }
        });
  }

  @Test
  void theFactoryIsClosedWithTheContext() throws Exception {
    PomeriumSshSessionFactory[] factory = new PomeriumSshSessionFactory[1];
    runner()
        .withUserConfiguration(TestHome.class)
        .withPropertyValues("jgit.pomerium.routes=" + HOST + ":22", "jgit.pomerium.url=" + gateway.url(),
            "jgit.pomerium.token-file=" + tokenFile, "jgit.pomerium.ca-file=" + caFile)
        .run(context -> {
          factory[0] = context.getBean(PomeriumSshSessionFactory.class);
          assertThat(cloneThrough(factory[0], "clone-before-close")).isEqualTo(head);
          assertThat(relayThreads()).isNotEmpty();
        });
    // The runner closed the context: the factory's relay has stopped, and it makes no more connections.
    assertThat(relayThreads()).isEmpty();
    assertThatThrownBy(() -> cloneThrough(factory[0], "clone-after-close"))
        .hasStackTraceContaining("the SSH session factory has been closed");
  }

  @Test
  void everySettingOfTheLibraryIsASpringProperty() {
    List<String> settings = new ArrayList<>();
    PomeriumSshSessionFactory.builderFromSettings(name -> {
      settings.add(name);
      return null;
    });
    assertThat(new PomeriumProperties().settings().keySet()).containsExactlyInAnyOrderElementsOf(settings);
  }

  @Test
  void everyPropertyHasIdeCompletionWithADescription() throws Exception {
    String metadata;
    try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("the configuration processor's output").isNotNull();
      metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String setting : new PomeriumProperties().settings().keySet()) {
      String property = SpringSettings.propertyName(setting);
      assertThat(metadata).as(property).containsPattern("\\{\\s*\"name\": \"" + Pattern.quote(property)
          + "\",\\s*\"type\": \"[^\"]+\",\\s*\"description\": \"[^\"]{10,}");
    }
    assertThat(metadata).as("the hints of additional-spring-configuration-metadata.json")
        .containsPattern("\"name\": \"jgit.pomerium.interactive\",\\s*\"values\"");
  }

  @Test
  void theFailureAnalyzerIsRegisteredWithSpringBoot() {
    // Spring Boot's own analyzers want constructor arguments that only a running application gives: skip them.
    assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class,
        SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> { })))
        .hasAtLeastOneElementOfType(PomeriumFailureAnalyzer.class);
  }

  private static FailureAnalysis analyze(Throwable failure) {
    assertThat(failure).as("start-up failure").isNotNull();
    FailureAnalysis analysis = new PomeriumFailureAnalyzer().analyze(failure);
    assertThat(analysis).as("analysis of " + failure).isNotNull();
    return analysis;
  }

  private static List<String> relayThreads() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(name -> name.startsWith("jgit-pomerium-relay-")).toList();
  }
}
