package dev.jgitpomerium.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.RecordedConnect;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/spring-cloud-config-server}, built with the real mvn as a user would build it, runs as its own
 * process ({@code java -jar}) and serves the properties of a configuration repository that it reads over SSH through
 * the testkit's Pomerium gateway (TLS, a token required), with the JGit and MINA sshd versions Spring Cloud brings:
 * once with the auto-configuration, once as a Config Server that knows nothing of jgit-pomerium, with the Java agent.
 */
class SpringCloudConfigServerExampleIT {
  private static final String REPOSITORY = "config-repo.git";
  /** What Spring Cloud 2025.1.x pins (spring-cloud-config-dependencies), not what jgit-pomerium is built with. */
  private static final Pattern SPRING_CLOUDS_JGIT = Pattern.compile("org\\.eclipse\\.jgit-7\\.4\\.\\d+\\..*\\.jar");
  private static final Pattern SPRING_CLOUDS_SSHD = Pattern.compile("sshd-osgi-2\\.16\\.\\d+\\.jar");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  /**
   * What differs between two starts of the same Spring Boot application, and nothing else: the time and process id on
   * each line, how long things took, the HTTP port (server.port=0), and which of Tomcat's request threads served.
   */
  private static final List<Pattern> VARYING = List.of(
      Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+(Z|[+-]\\d\\d:\\d\\d)"),
      Pattern.compile("(?<=(TRACE|DEBUG|INFO|WARN|ERROR) )\\d+(?= ---)"),
      Pattern.compile("(?<=with PID )\\d+"),
      Pattern.compile("\\d+(\\.\\d+)? (ms|seconds)|(?<=process running for )\\d+(\\.\\d+)?"),
      Pattern.compile("(?<=port )\\d+"),
      Pattern.compile("(?<=-exec-)\\d+"));

  private static Path scratch;
  private static RoutedGitServer git;
  private static ObjectId commit;
  private static Path withStarter;
  private static Path withoutJGitPomerium;

  @BeforeAll
  static void buildTheExampleAndStartTheServers() throws Exception {
    ExampleProject example = ExampleProject.copy("spring-cloud-config-server");
    assertPinsTheVersionsThisBuildTestsWith(example.directory().resolve("pom.xml"));
    scratch = Files.createTempDirectory(example.directory().getParent(), "config-server-scratch-");
    git = RoutedGitServer.start(scratch);
    commit = createConfigRepository(scratch.resolve("config-repo-work"));

    example.mvn(Map.of(), "-q", "package").assertSucceeded();
    withStarter = bootJar(example.directory());

    // The same server as a user of the agent has it: no jgit-pomerium dependency and no jgit.pomerium settings.
    ExampleProject plain = ExampleProject.copy("spring-cloud-config-server");
    Path pom = plain.directory().resolve("pom.xml");
    String withoutStarter = Files.readString(pom, UTF_8).replaceAll(
        "(?s)\\s*<!--[^>]*-->\\s*<dependency>\\s*<groupId>dev\\.jgitpomerium</groupId>.*?</dependency>", "");
    assertFalse(withoutStarter.contains("jgit-pomerium-spring-boot"), withoutStarter);
    Files.writeString(pom, withoutStarter, UTF_8);
    Path yml = plain.directory().resolve("src/main/resources/application.yml");
    String settings = Files.readString(yml, UTF_8);
    Files.writeString(yml, settings.substring(0, settings.indexOf("# jgit-pomerium:")), UTF_8);
    plain.mvn(Map.of(), "-q", "package").assertSucceeded();
    withoutJGitPomerium = bootJar(plain.directory());
  }

  @AfterAll
  static void stop() {
    if (git != null) {
      git.close();
    }
  }

  @Test
  void configServerServesTheRepositoryBehindPomeriumWithSpringCloudsJGitAndSshd() throws Exception {
    assertRunsOnSpringCloudsJGitAndSshd(withStarter, true);
    Map<String, String> environment = git.pomeriumEnvironment();
    int connectsBefore = git.gateway.requestCount();

    // Only the auto-configuration's properties: no JGIT_POMERIUM_* variables, so JGit's default factory routes nothing.
    Served served = serve(withStarter, List.of(), Map.of(),
        "--jgit.pomerium.url=" + git.gateway.url(),
        "--jgit.pomerium.ca-file=" + environment.get("JGIT_POMERIUM_CA_FILE"),
        "--jgit.pomerium.token-file=" + environment.get("JGIT_POMERIUM_TOKEN_FILE"));

    assertServedTheRepository(served);
    assertEachConnectCarriedTheToken(git.gateway.requests().subList(connectsBefore, git.gateway.requestCount()));
    String output = served.output();
    assertFalse(output.contains(git.token), "the token appears in the server's output");
    assertFalse(output.contains("multiple SLF4J providers"), output);
    assertFalse(output.contains("SLF4J(W)"), output);
    assertTrue(output.contains("Started ConfigServerApplication"), output);
    assertFalse(Pattern.compile("(?m)^\\S+\\s+(ERROR|WARN)\\b").matcher(output).find(),
        "the server logged a warning or an error:\n" + output);
  }

  @Test
  void withTheAgentAConfigServerThatKnowsNothingOfJGitPomeriumPrintsWhatItPrintsReachingTheRepositoryDirectly()
      throws Exception {
    assertRunsOnSpringCloudsJGitAndSshd(withoutJGitPomerium, false);
    Path config = git.home.config(git.directSshConfig());
    Served direct;
    try {
      direct = serve(withoutJGitPomerium, List.of(), Map.of());
    } finally {
      Files.delete(config);
    }
    int connectsBefore = git.gateway.requestCount();

    Served throughAgent = serve(withoutJGitPomerium, List.of("-javaagent:" + ExampleProject.agentJar()),
        git.pomeriumEnvironment());

    assertServedTheRepository(direct);
    assertServedTheRepository(throughAgent);
    assertEachConnectCarriedTheToken(git.gateway.requests().subList(connectsBefore, git.gateway.requestCount()));
    assertFalse(throughAgent.output().contains(git.token), "the token appears in the server's output");
    List<String> differences = OutputDiff.diff(masked(direct.output()), masked(throughAgent.output()));
    assertTrue(differences.isEmpty(), "with the agent, the server printed (+) or did not print (-):\n"
        + OutputDiff.describe(differences) + "\nwithout the agent:\n" + direct.output() + "\nwith it:\n"
        + throughAgent.output());
  }

  /** The server's answer to {@code GET /demo/default} and everything it printed from start to stop. */
  private record Served(HttpResponse<String> response, String output) {}

  /** Starts {@code jar} with the user's home, asks it for the demo application's properties, and stops it. */
  private static Served serve(Path jar, List<String> jvmOptions, Map<String, String> environment,
      String... arguments) throws Exception {
    Path clones = scratch.resolve("config-server-clones");
    ExampleProject.deleteTree(clones);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.add("-Duser.home=" + git.home.home()); // JGit finds ~/.ssh through user.home
    command.addAll(List.of("-jar", jar.toString(), "--server.port=0",
        "--spring.cloud.config.server.git.basedir=" + clones));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).directory(scratch.toFile()).redirectErrorStream(true);
    builder.environment().keySet()
        .removeIf(name -> name.startsWith("JGIT_POMERIUM_") || name.equals("JAVA_TOOL_OPTIONS"));
    builder.environment().put("HOME", git.home.home().toString());
    builder.environment().putAll(environment);
    SpringApplicationProcess server = SpringApplicationProcess.start(builder);
    try {
      int port = server.awaitPort(START_TIMEOUT);
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/demo/default"))
              .timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString());
      server.stop(STOP_TIMEOUT);
      return new Served(response, server.output());
    } catch (Exception | AssertionError e) {
      server.stop(STOP_TIMEOUT);
      throw new AssertionError(e.getMessage() + "\nthe server printed:\n" + server.output(), e);
    }
  }

  private static void assertServedTheRepository(Served served) {
    assertEquals(200, served.response().statusCode(), served.response().body() + "\n" + served.output());
    String body = served.response().body();
    assertTrue(body.contains("\"version\":\"" + commit.name() + "\""), body);
    assertTrue(body.contains("\"greeting\":\"hello through Pomerium\""), body);    // demo.properties
    assertTrue(body.contains("\"shared.colour\":\"blue\""), body);                 // application.yml
    assertTrue(body.contains(RoutedGitServer.url(REPOSITORY)), body);
  }

  private static void assertEachConnectCarriedTheToken(List<RecordedConnect> connects) {
    assertFalse(connects.isEmpty(), "Config Server's clone did not reach the gateway");
    for (RecordedConnect connect : connects) {
      assertEquals("CONNECT", connect.method());
      assertEquals(RoutedGitServer.HOST + ":22", connect.target());
      assertTrue(("Pomerium " + git.token).equals(connect.authorization()),
          "CONNECT without the service-account token");
    }
  }

  private static List<String> masked(String output) {
    List<String> lines = new ArrayList<>();
    for (String line : output.lines().toList()) {
      for (Pattern varying : VARYING) {
        line = varying.matcher(line).replaceAll("*");
      }
      lines.add(line);
    }
    return lines;
  }

  /** {@code config-repo.git} on the SSH server with {@code application.yml} and {@code demo.properties} on main. */
  private static ObjectId createConfigRepository(Path work) throws Exception {
    git.server.createBareRepository(REPOSITORY).close();
    try (Git repository = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
      Files.writeString(work.resolve("application.yml"), "shared:\n  colour: blue\n", UTF_8);
      Files.writeString(work.resolve("demo.properties"), "greeting=hello through Pomerium\n", UTF_8);
      repository.add().addFilepattern(".").call();
      ObjectId id = repository.commit().setMessage("Configuration for demo").setAuthor("Config", "config@example.com")
          .setCommitter("Config", "config@example.com").setSign(false).call().getId();
      repository.push().setRemote(git.server.repositoriesRoot().resolve(REPOSITORY).toUri().toString())
          .add("main").call();
      return id;
    }
  }

  /** The example names the Spring Boot and Spring Cloud versions this build's auto-configuration is tested with. */
  private static void assertPinsTheVersionsThisBuildTestsWith(Path pom) throws IOException {
    String text = Files.readString(pom, UTF_8);
    String boot = System.getProperty("spring-boot.version");
    String cloud = System.getProperty("spring-cloud.version");
    assertTrue(
        text.contains("<artifactId>spring-boot-starter-parent</artifactId>\n    <version>" + boot + "</version>"),
        "examples/spring-cloud-config-server/pom.xml should have Spring Boot " + boot + " as its parent");
    assertTrue(text.contains("<spring-cloud.version>" + cloud + "</spring-cloud.version>"),
        "examples/spring-cloud-config-server/pom.xml should import Spring Cloud " + cloud);
  }

  private static Path bootJar(Path project) throws IOException {
    try (Stream<Path> files = Files.list(project.resolve("target"))) {
      List<Path> jars = files.filter(f -> f.toString().endsWith(".jar")).toList();
      assertEquals(1, jars.size(), "one jar in target/: " + jars);
      return jars.get(0);
    }
  }

  /**
   * The jar's class path holds Spring Cloud's JGit and sshd-osgi, once each, no sshd-core/sshd-common, and
   * jgit-pomerium's auto-configuration if {@code withStarter}, else nothing of jgit-pomerium.
   */
  private static void assertRunsOnSpringCloudsJGitAndSshd(Path jar, boolean withStarter) throws IOException {
    List<String> libraries = new ArrayList<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("BOOT-INF/lib/"))
          .forEach(n -> libraries.add(n.substring("BOOT-INF/lib/".length())));
    }
    List<String> jgit = libraries.stream().filter(n -> n.startsWith("org.eclipse.jgit-")).toList();
    List<String> sshd = libraries.stream().filter(n -> n.startsWith("sshd-")).toList();
    assertEquals(1, jgit.size(), "one org.eclipse.jgit: " + jgit);
    assertTrue(SPRING_CLOUDS_JGIT.matcher(jgit.get(0)).matches(), "Spring Cloud's JGit 7.4: " + jgit);
    assertTrue(libraries.stream().anyMatch(n -> n.startsWith("org.eclipse.jgit.ssh.apache-7.4.")),
        libraries.toString());
    assertTrue(sshd.stream().anyMatch(n -> SPRING_CLOUDS_SSHD.matcher(n).matches()),
        "Spring Cloud's sshd 2.16: " + sshd);
    assertTrue(sshd.stream().noneMatch(n -> n.startsWith("sshd-core-") || n.startsWith("sshd-common-")),
        "sshd-osgi holds sshd-core and sshd-common; a second copy beside it: " + sshd);
    assertEquals(withStarter, libraries.stream().anyMatch(n -> n.startsWith("jgit-pomerium-spring-boot-")),
        libraries.toString());
    assertEquals(withStarter, libraries.stream().anyMatch(n -> n.startsWith("jgit-pomerium-transport-")),
        libraries.toString());
  }
}
