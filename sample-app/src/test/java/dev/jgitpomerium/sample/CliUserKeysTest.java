package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshUser;
import dev.jgitpomerium.testkit.SshAgent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line with the keys people have, against Debian's sshd behind Pomerium, run as its own process with the
 * user's home: ssh-keygen's Ed25519 key found in ~/.ssh with an Ed25519-only known_hosts, a key held only by ssh-agent
 * (and {@code IdentityAgent none}, and an agent that is gone), and user certificates (beside the key, by {@code
 * CertificateFile}, expired). The same programs as {@code java -jar} are checked on the built jar by {@code
 * ShadedJarIT}.
 */
class CliUserKeysTest {
  @TempDir Path work;
  private OpenSshUser fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = OpenSshUser.startTrustingUserCa(work);
    fixture.user.knownHosts(fixture.server.knownHostsLine(OpenSshUser.HOST, "ed25519"));
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private ChildProcesses.Result lsRemote(Map<String, String> environment) throws Exception {
    return fixture.cli(List.of("-cp", ChildProcesses.testClassPath(), Main.class.getName()), environment,
        "ls-remote", fixture.uri());
  }

  private void assertListsMain(ChildProcesses.Result result) throws Exception {
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertTrue(result.stdout().lines().anyMatch(fixture.mainRefLine()::equals), result::describe);
  }

  @Test
  void lsRemoteLogsInWithTheDefaultEd25519KeyAndAnEd25519OnlyKnownHosts() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));

    assertListsMain(lsRemote(Map.of()));
  }

  @Test
  void lsRemoteLogsInWithAKeyHeldOnlyByTheAgent() throws Exception {
    Path key = fixture.keys.generate(work.resolve("keys/agent-only"));
    fixture.server.authorize(Path.of(key + ".pub"));
    try (SshAgent agent = SshAgent.start(fixture.processes, work.resolve("agent.sock"))) {
      agent.add(key);

      assertListsMain(lsRemote(Map.of("SSH_AUTH_SOCK", agent.socket().toString())));
    }
  }

  @Test
  void identityAgentNoneMakesTheSameLoginFailWithThePublickeyError() throws Exception {
    Path key = fixture.keys.generate(work.resolve("keys/agent-only"));
    fixture.server.authorize(Path.of(key + ".pub"));
    fixture.user.config("Host *", "  IdentityAgent none");
    try (SshAgent agent = SshAgent.start(fixture.processes, work.resolve("agent.sock"))) {
      agent.add(key);

      ChildProcesses.Result result = lsRemote(Map.of("SSH_AUTH_SOCK", agent.socket().toString()));

      assertEquals(1, result.exitCode(), result::describe);
      assertTrue(result.stderr().startsWith("jgit-pomerium: "), result::describe);
      assertTrue(result.stderr().contains("Cannot log in at " + OpenSshUser.HOST + ":22")
          && result.stderr().contains("publickey: no keys to try"), result::describe);
    }
  }

  @Test
  void anAgentSocketThatIsGoneIsNamedInTheError() throws Exception {
    Path gone = work.resolve("gone.sock");

    ChildProcesses.Result result = lsRemote(Map.of("SSH_AUTH_SOCK", gone.toString()));

    assertEquals(1, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("The ssh-agent at " + gone + " (from SSH_AUTH_SOCK) cannot be reached"),
        result::describe);
  }

  @Test
  void lsRemoteLogsInWithTheCertificateBesideTheKey() throws Exception {
    fixture.certify(fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", ""), "+1h");

    assertListsMain(lsRemote(Map.of()));
    assertTrue(fixture.server.log().contains("Accepted certificate ID \"" + OpenSshUser.CERTIFICATE_ID + "\""),
        fixture.server::log);
  }

  @Test
  void lsRemoteLogsInWithACertificateFile() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("work_key"));
    Path certificate = fixture.certify(key, "+1h");
    Path elsewhere = java.nio.file.Files.move(certificate, work.resolve("work-certificate.pub"));
    fixture.user.config("Host " + OpenSshUser.HOST, "  IdentityFile ~/.ssh/work_key", "  CertificateFile " + elsewhere);

    assertListsMain(lsRemote(Map.of()));
    assertTrue(fixture.server.log().contains("Accepted certificate ID \"" + OpenSshUser.CERTIFICATE_ID + "\""),
        fixture.server::log);
  }

  @Test
  void anExpiredCertificateIsNamedInTheError() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.certify(key, "-2h:-1h");

    ChildProcesses.Result result = lsRemote(Map.of());

    assertEquals(1, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("The certificate " + key + "-cert.pub (ID \"" + OpenSshUser.CERTIFICATE_ID
        + "\", ssh-ed25519-cert-v01@openssh.com) expired at "), result::describe);
    assertNotEquals("", result.stderr().strip());
  }
}
