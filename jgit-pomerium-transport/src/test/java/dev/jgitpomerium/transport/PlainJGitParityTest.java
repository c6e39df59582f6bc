package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshServer;
import dev.jgitpomerium.testkit.PlainJGit;
import dev.jgitpomerium.testkit.SshKeys;
import dev.jgitpomerium.testkit.UserHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host keys, passphrases and ssh config as OpenSSH treats them, in a plain JGit program (no SSH set-up in code) that
 * finds this library by ServiceLoader and is configured by nothing but the user's {@code ~/.ssh}: a child JVM
 * ({@link PlainJGit}) running {@code ls-remote} directly against Debian's sshd, with Ed25519 keys from ssh-keygen and
 * the real {@code ssh} as the yardstick where it can run on the same files. {@code HostKeysTest}, {@code
 * KeyPassphraseTest} and {@code SshConfigParityTest} cover the same ground with a factory built in code.
 */
class PlainJGitParityTest {
  private static final String REPOSITORY = "project.git";
  private static final String FACTORY_LINE = "ssh session factory: " + PomeriumSshSessionFactory.class.getName();

  @TempDir static Path shared;
  private static OpenSshServer server;
  private static ChildProcesses processes;
  private static SshKeys keys;

  @TempDir Path work;
  private UserHome user;
  /** The user's {@code ~/.ssh/id_ed25519}, authorized on the server. */
  private Path userKey;

  @BeforeAll
  static void startServer() throws Exception {
    server = OpenSshServer.start(REPOSITORY);
    processes = new ChildProcesses(shared.resolve("process-output"), shared.resolve("processes-home"));
    keys = new SshKeys(processes);
  }

  @AfterAll
  static void stopServer() throws Exception {
    try {
      if (processes != null) {
        processes.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @BeforeEach
  void freshHome() throws Exception {
    user = new UserHome(work.resolve("home"));
    userKey = keys.generate(user.ssh("id_ed25519"), "ed25519", "");
    server.authorize(Path.of(userKey + ".pub"));
  }

  private String directName() {
    return "[127.0.0.1]:" + server.port();
  }

  private String uri(String hostAndPort) {
    return "ssh://" + OpenSshServer.USER + "@" + hostAndPort + server.repoPath(REPOSITORY);
  }

  private String directUri() {
    return uri("127.0.0.1:" + server.port());
  }

  /**
   * The plain JGit program, with this test run's class path (JGit and this library), in the user's home. Its JVM
   * compiles with C1 only: a short-lived program starts about a third faster, and nothing measured depends on it.
   */
  private ChildProcesses.Result plainJGit(String uri) throws Exception {
    ChildProcesses.Result result = PlainJGit.lsRemote(processes, PlainJGit.projectClassPath(), user.home(),
        Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"), Map.of(), uri);
    assertTrue(result.stderr().lines().anyMatch(FACTORY_LINE::equals),
        () -> "ServiceLoader did not give JGit this library's factory\n" + result.describe());
    return result;
  }

  private void assertListsMain(ChildProcesses.Result result) throws Exception {
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + server.log());
    String main = server.revParse(REPOSITORY, "main") + "\trefs/heads/main";
    assertTrue(result.stdout().lines().anyMatch(main::equals), result::describe);
  }

  /**
   * The real {@code git ls-remote uri} over the real ssh, given the user's files by name (ssh takes its home from the
   * password database, not HOME): {@code -F ~/.ssh/config}, its known_hosts, the user's key, no prompts.
   */
  private ChildProcesses.Result openSsh(String uri, String... options) throws Exception {
    List<String> ssh = new ArrayList<>(List.of("ssh", "-F", user.ssh("config").toString(),
        "-o", "UserKnownHostsFile=" + user.ssh("known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "IdentityFile=" + userKey, "-o", "BatchMode=yes"));
    for (String option : options) {
      ssh.addAll(List.of("-o", option));
    }
    return processes.run(user.home(), Map.of("HOME", user.home().toString(),
        "GIT_SSH_COMMAND", ChildProcesses.shellCommand(ssh)), List.of("git", "ls-remote", uri));
  }

  @Test
  void anUnknownHostWithStrictCheckingFailsWithOpenSshsTextAndTheKeysFingerprint() throws Exception {
    user.config("Host 127.0.0.1", "  StrictHostKeyChecking yes");

    ChildProcesses.Result result = plainJGit(directUri());

    assertEquals(1, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("No ED25519 host key is known for " + directName()
        + " and you have requested strict checking."), result::describe);
    assertTrue(result.stderr().contains(keys.fingerprint(server.hostPublicKey("ed25519"))), result::describe);
    assertFalse(result.stderr().contains("impersonat"), "unknown, not a mismatch\n" + result.describe());
    assertFalse(Files.exists(user.ssh("known_hosts")), "strict checking records nothing");

    ChildProcesses.Result ssh = openSsh(directUri());
    assertTrue(ssh.stderr().contains("No ED25519 host key is known for " + directName()), ssh.describe());
  }

  @Test
  void acceptNewConnectsAndRecordsTheKeyUnderHostAndPortWhichRealSshThenAcceptsStrictly() throws Exception {
    user.config("Host 127.0.0.1", "  StrictHostKeyChecking accept-new");

    assertListsMain(plainJGit(directUri()));

    assertEquals(server.knownHostsLine(directName()), Files.readString(user.ssh("known_hosts")).strip());
    ChildProcesses.Result ssh = openSsh(directUri(), "StrictHostKeyChecking=yes");
    assertEquals(0, ssh.exitCode(), ssh::describe);
  }

  @Test
  void aKeyRecordedUnderTheHostKeyAliasIsAcceptedStrictly() throws Exception {
    String alias = "git.corp.example.com";
    user.config("Host gitserver", "  HostName 127.0.0.1", "  Port " + server.port(), "  HostKeyAlias " + alias,
        "  StrictHostKeyChecking yes");
    user.knownHosts(server.knownHostsLine(alias));

    assertListsMain(plainJGit(uri("gitserver")));

    ChildProcesses.Result ssh = openSsh(uri("gitserver"));
    assertEquals(0, ssh.exitCode(), ssh::describe);
  }

  @Test
  void aPassphraseProtectedKeyWithNothingToAskFailsNamingTheKeyAndSayingItIsProtected() throws Exception {
    String passphrase = "correct horse " + UUID.randomUUID();
    Files.delete(userKey);
    Files.delete(Path.of(userKey + ".pub"));
    Path protectedKey = keys.generate(user.ssh("id_ed25519"), "ed25519", passphrase);
    server.authorize(Path.of(protectedKey + ".pub"));
    user.knownHosts(server.knownHostsLine(directName()));

    ChildProcesses.Result result = plainJGit(directUri());

    assertEquals(1, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains(KeyPassphraseException.class.getName() + ": the private key " + protectedKey
        + " is passphrase-protected"), result::describe);
    assertTrue(result.stderr().contains("ssh-add " + protectedKey), "says what to do\n" + result.describe());
    assertFalse(result.stderr().contains(passphrase), result::describe);
    String fingerprint = keys.fingerprint(Path.of(protectedKey + ".pub"));
    assertFalse(server.log().lines().anyMatch(l -> l.contains("Accepted publickey") && l.contains(fingerprint)),
        server::log);
  }

  /**
   * OpenSSH offers the default keys (~/.ssh/id_*) only when no IdentityFile is configured for the host; JGit offers
   * them
   * after the configured ones, so a refused work key would log in with the personal default key.
   */
  @Test
  void aHostWithAnIdentityFileIsNotOfferedTheDefaultKeys() throws Exception {
    Path other = keys.generate(user.ssh("work_key"), "ed25519", "");   // not authorized on the server
    user.knownHosts(server.knownHostsLine(directName()));
    user.config("Host 127.0.0.1", "  IdentityFile ~/.ssh/work_key");
    String accepted = "Accepted publickey for " + OpenSshServer.USER + " from 127.0.0.1";
    String defaultKey = keys.fingerprint(Path.of(userKey + ".pub"));

    // Not openSsh(...), which names the default key itself (ssh's defaults come from the password database's home).
    List<String> command = List.of("ssh", "-F", user.ssh("config").toString(), "-o",
        "UserKnownHostsFile=" + user.ssh("known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes");
    ChildProcesses.Result ssh = processes.run(user.home(), Map.of("HOME", user.home().toString(),
        "GIT_SSH_COMMAND", ChildProcesses.shellCommand(command)), List.of("git", "ls-remote", directUri()));
    assertNotEquals(0, ssh.exitCode(), ssh::describe);
    assertTrue(ssh.stderr().contains("Permission denied (publickey)"), ssh::describe);

    ChildProcesses.Result result = plainJGit(directUri());
    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("Cannot log in"), result::describe);
    assertEquals(0, loginsWith(accepted, defaultKey), server::log);
    assertTrue(Files.exists(other));
  }

  @Test
  void aMatchOriginalhostBlockAppliesToItsAliasAndNotToAnotherHostName() throws Exception {
    // The only key the server accepts is where nothing but the Match block's IdentityFile points.
    Path matchKey = user.ssh("match_key");
    Files.move(userKey, matchKey);
    Files.move(Path.of(userKey + ".pub"), Path.of(matchKey + ".pub"));
    user.knownHosts(server.knownHostsLine(directName()));
    user.config("Match originalhost direct-alias",
        "  HostName 127.0.0.1",
        "  Port " + server.port(),
        "  IdentityFile ~/.ssh/match_key");
    String accepted = "Accepted publickey for " + OpenSshServer.USER + " from 127.0.0.1";
    String keyFingerprint = keys.fingerprint(Path.of(matchKey + ".pub"));

    assertListsMain(plainJGit(uri("direct-alias")));
    assertEquals(1, loginsWith(accepted, keyFingerprint), server::log);

    // The same server by its address: the block is not for this name, so there is no key to log in with.
    ChildProcesses.Result other = plainJGit(directUri());
    assertNotEquals(0, other.exitCode(), other::describe);
    assertTrue(other.stderr().contains("publickey: no keys to try"), other::describe);
    assertEquals(1, loginsWith(accepted, keyFingerprint), server::log);
  }

  private static long loginsWith(String accepted, String fingerprint) {
    return server.log().lines().filter(l -> l.contains(accepted) && l.contains(fingerprint)).count();
  }

  @Test
  void aSocatProxyCommandConnectsAHostNameThatDoesNotResolve() throws Exception {
    assertTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs Debian's socat: apt-get install socat");
    String host = "git.unresolvable.invalid";
    String hostAndPort = "[" + host + "]:" + server.port();
    user.knownHosts(server.knownHostsLine(hostAndPort));
    user.config("Host " + host, "  ProxyCommand socat - TCP:127.0.0.1:%p", "  StrictHostKeyChecking yes");
    String uri = uri(host + ":" + server.port());

    assertListsMain(plainJGit(uri));

    ChildProcesses.Result ssh = openSsh(uri);
    assertEquals(0, ssh.exitCode(), ssh::describe);
  }

  @Test
  void aBadPortInTheConfigFailsNamingTheFileAndLine() throws Exception {
    user.knownHosts(server.knownHostsLine(directName()));
    Path config = user.config("Host *", "  User " + OpenSshServer.USER, "Host 127.0.0.1", "  Port x");
    int sessionsBefore = acceptedLogins();

    ChildProcesses.Result result = plainJGit(directUri());

    assertEquals(1, result.exitCode(), result::describe);
    // The file as the user writes it: under the program's home, ~/...; OpenSSH prints the expanded path.
    assertTrue(result.stderr().contains(SshConfigException.class.getName() + ": ~/.ssh/config line 4: Bad port 'x'."),
        result::describe);
    assertEquals(sessionsBefore, acceptedLogins(), "never connected");

    // OpenSSH's own words for the same file.
    ChildProcesses.Result ssh = openSsh(directUri());
    assertEquals(128, ssh.exitCode(), ssh::describe); // git's status when ssh exits 255
    assertTrue(ssh.stderr().contains(config + " line 4: Bad port 'x'."), ssh.describe());
  }

  private static int acceptedLogins() {
    return (int) server.log().lines().filter(l -> l.contains("Accepted publickey")).count();
  }
}
