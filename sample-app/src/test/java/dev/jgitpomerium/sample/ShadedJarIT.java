package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshUser;
import dev.jgitpomerium.testkit.SshAgent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code jgit-pomerium.jar} as users run it, {@code java -jar}, after {@code package} (maven-failsafe):
 * Ed25519 keys and host keys (Bouncy Castle inside a shaded jar: no broken signatures, the service files kept), a key
 * held only by ssh-agent, and a user certificate, against Debian's sshd behind Pomerium.
 */
class ShadedJarIT {
  private static final Path JAR = Path.of(System.getProperty("jgit-pomerium.jar", "target/jgit-pomerium.jar"));

  @TempDir Path work;
  private OpenSshUser fixture;

  @BeforeEach
  void start() throws Exception {
    assertTrue(Files.isRegularFile(JAR), () -> JAR + " is missing: this test runs after mvn package");
    fixture = OpenSshUser.startTrustingUserCa(work);
    fixture.user.knownHosts(fixture.server.knownHostsLine(OpenSshUser.HOST, "ed25519"));
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private ChildProcesses.Result lsRemote(Map<String, String> environment) throws Exception {
    return fixture.cli(List.of("-jar", JAR.toAbsolutePath().toString()), environment, "ls-remote", fixture.uri());
  }

  private void assertListsMain(ChildProcesses.Result result) throws Exception {
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertTrue(result.stdout().lines().anyMatch(fixture.mainRefLine()::equals), result::describe);
  }

  @Test
  void theJarKeepsTheServiceFilesAndCarriesNoSignatureOfAShadedJar() throws Exception {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      JarEntry services = jar.getJarEntry("META-INF/services/org.eclipse.jgit.transport.SshSessionFactory");
      assertNotNull(services, "the ServiceLoader registration of the session factory is gone");
      String registered = new String(jar.getInputStream(services).readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(registered.contains("dev.jgitpomerium.transport.PomeriumSshSessionFactory"), registered);
      assertNotNull(jar.getJarEntry("org/bouncycastle/jce/provider/BouncyCastleProvider.class"),
          "Bouncy Castle, MINA sshd's EdDSA provider, is not in the jar");
      List<String> signatures = jar.stream().map(JarEntry::getName)
          .filter(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)")).toList();
      assertEquals(List.of(), signatures, "signature files of the shaded jars would make the JVM reject the jar");
    }
  }

  @Test
  void javaJarLogsInWithTheDefaultEd25519KeyAndAnEd25519OnlyKnownHosts() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));

    assertListsMain(lsRemote(Map.of()));
  }

  @Test
  void javaJarLogsInWithAKeyHeldOnlyByTheAgent() throws Exception {
    Path key = fixture.keys.generate(work.resolve("keys/agent-only"));
    fixture.server.authorize(Path.of(key + ".pub"));
    try (SshAgent agent = SshAgent.start(fixture.processes, work.resolve("agent.sock"))) {
      agent.add(key);

      assertListsMain(lsRemote(Map.of("SSH_AUTH_SOCK", agent.socket().toString())));
    }
  }

  @Test
  void javaJarLogsInWithAnEd25519CertificateBesideTheKey() throws Exception {
    fixture.certify(fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", ""), "+1h");

    assertListsMain(lsRemote(Map.of()));
    assertTrue(fixture.server.log().contains("Accepted certificate ID \"" + OpenSshUser.CERTIFICATE_ID + "\""),
        fixture.server::log);
  }
}
