package dev.jgitpomerium.transport.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshUser;
import dev.jgitpomerium.testkit.SshAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSH user certificates against a real sshd that trusts a CA ({@code TrustedUserCAKeys}) and has none of the
 * user's plain keys in authorized_keys: a certificate beside the key ({@code <key>-cert.pub}), one named by {@code
 * CertificateFile}, one held by the agent with its key, and an expired one; in a plain JGit program with this
 * library, against OpenSSH and stock JGit on the same files.
 */
class UserCertificateTest {
  private static final String ID = OpenSshUser.CERTIFICATE_ID;

  @TempDir Path work;
  private OpenSshUser fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = OpenSshUser.startTrustingUserCa(work);
    fixture.user.knownHosts(fixture.server.knownHostsLine(OpenSshUser.HOST) + "\n"
        + fixture.server.knownHostsLine(fixture.directHostName()));
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private Path certify(Path key, String validity) throws Exception {
    return fixture.certify(key, validity);
  }

  @Test
  void aCertificateBesideTheDefaultKeyLogsIn() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_rsa"));
    certify(key, "+1h");

    ChildProcesses.Result result = fixture.libraryLsRemote(Map.of());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertLoggedInWithTheCertificate();
    assertEquals(0, fixture.openSshLsRemote(Map.of()).exitCode(), "OpenSSH, the yardstick, logs in too");
  }

  @Test
  void stockJGitIgnoresTheCertificateBesideTheKey() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ecdsa"), "ecdsa", "");
    certify(key, "+1h");
    fixture.user.knownHosts(fixture.server.knownHostsLines(fixture.directHostName()));

    ChildProcesses.Result result = fixture.stockLsRemote(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("Cannot log in"), result::describe);
  }

  @Test
  void aCertificateFileInSshConfigLogsInWithItsIdentityFile() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("work_key"));
    Path certificate = certify(key, "+1h");
    // Elsewhere, under another name, as certificate tools write them.
    Path moved = Files.createDirectories(fixture.user.home().resolve(".certs")).resolve("work.pub");
    Files.move(certificate, moved);
    // Absolute paths: OpenSSH takes ~ from the password database, not from this test's home.
    fixture.user.config("Host *", "  IdentityFile " + key, "  CertificateFile " + moved);

    ChildProcesses.Result result = fixture.libraryLsRemote(Map.of());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertLoggedInWithTheCertificate();
    assertEquals(0, fixture.openSshLsRemote(Map.of()).exitCode(), "OpenSSH logs in too");
  }

  @Test
  void aCertificateFileIsOfferedWithIdentitiesOnly() throws Exception {
    Path key = fixture.keys.generate(work.resolve("keys/work_key"));
    Path certificate = certify(key, "+1h");
    fixture.user.config("Host *", "  IdentitiesOnly yes", "  IdentityFile " + key,
        "  CertificateFile " + certificate);

    ChildProcesses.Result result = fixture.libraryLsRemote(Map.of());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertLoggedInWithTheCertificate();
  }

  @Test
  void stockJGitIgnoresCertificateFile() throws Exception {
    Path key = fixture.keys.generate(work.resolve("keys/work_key"), "ecdsa", "");
    Path certificate = certify(key, "+1h");
    fixture.user.config("Host *", "  IdentityFile " + key, "  CertificateFile " + certificate);
    fixture.user.knownHosts(fixture.server.knownHostsLines(fixture.directHostName()));

    ChildProcesses.Result result = fixture.stockLsRemote(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("Cannot log in"), result::describe);
  }

  @Test
  void anExpiredCertificateFailsAndTheMessageSaysItExpired() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_rsa"));
    certify(key, "-2h:-1h");

    ChildProcesses.Result result = fixture.libraryLsRemote(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("Cannot log in at " + OpenSshUser.HOST), result::describe);
    assertTrue(result.stderr().contains("The certificate " + key + "-cert.pub (ID \"" + ID + "\", "
        + "ssh-rsa-cert-v01@openssh.com) expired at "), result::describe);
    ChildProcesses.Result openSsh = fixture.openSshLsRemote(Map.of());
    assertNotEquals(0, openSsh.exitCode(), openSsh::describe);
    assertTrue(openSsh.stderr().contains("Permission denied (publickey)"), openSsh::describe);
  }

  @Test
  void aCertificateHeldByTheAgentWithItsKeyLogsIn() throws Exception {
    Path key = fixture.keys.generate(work.resolve("keys/agent_key"));
    certify(key, "+1h");
    try (SshAgent agent = SshAgent.start(fixture.processes, work.resolve("agent.sock"))) {
      agent.add(key); // ssh-add adds key-cert.pub beside it too
      String listed = agent.list();
      assertTrue(listed.contains("RSA-CERT"), listed);
      Map<String, String> env = Map.of("SSH_AUTH_SOCK", agent.socket().toString());

      ChildProcesses.Result result = fixture.libraryLsRemote(env);

      assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
      assertLoggedInWithTheCertificate();
      assertEquals(0, fixture.openSshLsRemote(env).exitCode(), "OpenSSH logs in too");
    }
  }

  @Test
  void theKeyIsOfferedBeforeTheCertificateBesideIt() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_rsa"));
    certify(key, "+1h");
    fixture.libraryLsRemote(Map.of());
    String library = fixture.server.log();
    List<String> ssh = new ArrayList<>(fixture.openSsh());
    ssh.addAll(List.of("-v", "-p", Integer.toString(fixture.server.port()), "pomerium-git@127.0.0.1",
        "git-upload-pack", fixture.server.repoPath(OpenSshUser.REPOSITORY).toString()));

    ChildProcesses.Result openSsh = fixture.processes.run(work, ssh);

    // OpenSSH 9.2 offers id_rsa, then id_rsa's certificate (ssh -v: "Offering public key: ... RSA" then "RSA-CERT").
    int plain = openSsh.stderr().indexOf("Offering public key: " + key + " RSA ");
    int certificate = openSsh.stderr().indexOf("Offering public key: " + key + " RSA-CERT ");
    assertTrue(plain >= 0 && certificate > plain, openSsh::describe);
    // sshd logs the refused plain key, then accepts the certificate, for the library as for OpenSSH.
    assertTrue(library.matches("(?s).*Failed publickey for pomerium-git .*RSA SHA256.*Accepted certificate ID.*"),
        library);
  }

  private void assertLoggedInWithTheCertificate() {
    String log = fixture.server.log();
    assertTrue(log.matches("(?s).*Accepted publickey for pomerium-git from 127\\.0\\.0\\.1 .*-CERT.*ID "
        + java.util.regex.Pattern.quote(ID) + ".*"), () -> "sshd logged no login with the certificate:\n" + log);
  }
}
