package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's usage snippet verbatim (it is copied from between the markers below, and a test checks the
 * README still shows exactly this code). The gateway's CA goes into the JVM trust store, as a corporate CA would.
 */
class ReadmeExampleTest extends TestbedTest {
  private static final Path README = Path.of("..", "README.md");

  String previousTrustStore;
  String previousTrustStorePassword;

  @BeforeEach
  void trustTheGatewayJvmWide() throws Exception {
    useTestbedHomeAsUserHome();
    Path trustStore = dir.resolve("truststore.p12");
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("pomerium-ca", dev.jgitpomerium.transport.internal.session.Pem
        .certificates(testbed.gateway.caCertificatePem()).get(0));
    try (var out = Files.newOutputStream(trustStore)) {
      store.store(out, "changeit".toCharArray());
    }
    previousTrustStore = System.getProperty("javax.net.ssl.trustStore");
    previousTrustStorePassword = System.getProperty("javax.net.ssl.trustStorePassword");
    System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
  }

  @AfterEach
  void restoreTrustStore() {
    restore("javax.net.ssl.trustStore", previousTrustStore);
    restore("javax.net.ssl.trustStorePassword", previousTrustStorePassword);
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  @Test
  void readmeSnippetClonesThroughPomerium() throws Exception {
    String pomeriumUrl = testbed.gateway.url();
    Path tokenFile = Files.writeString(dir.resolve("pomerium-token"), Testbed.TOKEN);
    File directory = dir.resolve("project").toFile();

    // README:clone-begin
    PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
        .route("git.corp.example.com:22")          // the SSH host behind Pomerium
        .pomeriumUrl(pomeriumUrl)                  // e.g. "https://pomerium.corp.example.com"
        .tokenFile(tokenFile)                      // a service-account JWT, read at each connect
        .build();
    Git.cloneRepository()
        .setURI("ssh://git@git.corp.example.com/group/project.git")
        .setDirectory(directory)
        .setTransportConfigCallback(pomerium)      // or, JVM-wide: SshSessionFactory.setInstance(pomerium)
        .call().close();
    // README:clone-end
    pomerium.close();

    try (Git clone = Git.open(directory)) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
  }

  /** Factories share TLS contexts, but not across a change of the JVM's trust store (a corporate CA added later). */
  @Test
  void aFactoryMadeAfterTheJvmTrustStoreChangedTrustsWhatItNowHolds() throws Exception {
    String withCa = System.getProperty("javax.net.ssl.trustStore");
    restore("javax.net.ssl.trustStore", previousTrustStore);
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builder().route(Testbed.HOST + ":22")
        .pomeriumUrl(testbed.gateway.url()).token(Testbed.TOKEN);
    builder.build().close(); // build() makes the TLS context, from the trust store as it was
    System.setProperty("javax.net.ssl.trustStore", withCa);
    try (PomeriumSshSessionFactory after = builder.build()) {
      after.openTunnel(Testbed.HOST, 22).close();
    }
  }

  @Test
  void readmeShowsTheSnippetThatThisTestRuns() throws IOException {
    String source = Files.readString(Path.of("src/test/java/dev/jgitpomerium/transport/ReadmeExampleTest.java"),
        StandardCharsets.UTF_8);
    String snippet = dedent(between(source, "// README:clone-begin\n", "    // README:clone-end"));
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    assertTrue(readme.contains("```java\n" + snippet + "```"), "README.md must show, verbatim:\n" + snippet);
    assertTrue(snippet.lines().count() <= 10, "the usage snippet should stay within ten lines");
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start) + start.length();
    return text.substring(from, text.indexOf(end, from));
  }

  private static String dedent(String block) {
    List<String> lines = block.lines().collect(Collectors.toList());
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n")) + "\n";
  }
}
