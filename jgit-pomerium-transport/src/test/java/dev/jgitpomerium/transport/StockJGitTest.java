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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What stock JGit 7.8.1 does with the ssh set-ups of the README's parity table, measured as a user meets it: a plain
 * JGit {@code ls-remote} program in a child JVM with only JGit's own jars ({@link PlainJGit#stockClassPath}), its home
 * a test's {@code ~/.ssh}, against Debian's sshd. Each test asserts what stock JGit really does, right or wrong, and
 * names the test that proves this library's behaviour on the same set-up. One sshd serves the whole class; each test
 * has its own home.
 *
 * <p>Stock JGit cannot use Ed25519 keys (no EdDSA provider on its class path: see {@code Ed25519Test}), so the user
 * key here is an ssh-keygen ECDSA key and known_hosts lines are written for every host key type of the server; none
 * of these set-ups is about the key type.
 */
class StockJGitTest {
  private static final String REPOSITORY = "project.git";
  private static final String USER = OpenSshServer.USER;
  private static final List<String> HOST_KEY_TYPES = List.of("rsa", "ecdsa", "ed25519");

  @TempDir static Path shared;
  private static OpenSshServer server;
  private static ChildProcesses processes;
  private static SshKeys keys;
  private static String stockClassPath;
  /** An ssh-keygen ECDSA key without passphrase, authorized on the server; tests copy it to ~/.ssh/id_ecdsa. */
  private static Path ecdsaKey;

  @TempDir Path work;
  private UserHome user;

  @BeforeAll
  static void startServer() throws Exception {
    // Also on ::1, for the IPv6 literal URL (ListenAddress adds to the fixture's 127.0.0.1).
    server = OpenSshServer.start(List.of("ListenAddress ::1"), REPOSITORY);
    processes = new ChildProcesses(shared.resolve("output"), shared.resolve("processes-home"));
    keys = new SshKeys(processes);
    ecdsaKey = keys.generate(shared.resolve("keys/id_ecdsa"), "ecdsa", "");
    server.authorize(Path.of(ecdsaKey + ".pub"));
    stockClassPath = PlainJGit.stockClassPath(shared);
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
  void home() throws Exception {
    user = new UserHome(work.resolve("home"));
  }

  private String directName() {
    return "[127.0.0.1]:" + server.port();
  }

  private String directUri() {
    return "ssh://" + USER + "@127.0.0.1:" + server.port() + server.repoPath(REPOSITORY);
  }

  /** The authorized ECDSA key as ~/.ssh/id_ecdsa, one of JGit's default identities. */
  private void defaultKey() throws Exception {
    copyKey(ecdsaKey, user.ssh("id_ecdsa"));
  }

  private static void copyKey(Path key, Path target) throws Exception {
    Files.copy(key, target);
    Files.copy(Path.of(key + ".pub"), Path.of(target + ".pub"));
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
  }

  /** Stock JGit's {@code ls-remote uri} with the user's home. */
  private ChildProcesses.Result stock(String uri) throws Exception {
    ChildProcesses.Result result = PlainJGit.lsRemote(processes, stockClassPath, user.home(), Map.of(), Map.of(), uri);
    assertTrue(result.stderr().contains("ssh session factory: org.eclipse.jgit.transport.sshd.SshdSessionFactory"),
        result::describe);
    return result;
  }

  private String mainRefLine() throws Exception {
    return server.revParse(REPOSITORY, "main") + "\trefs/heads/main";
  }

  private void assertListed(ChildProcesses.Result result) throws Exception {
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + server.log());
    assertTrue(result.stdout().contains(mainRefLine()), result::describe);
  }

  private static void assertFailed(ChildProcesses.Result result, String text) {
    assertNotEquals(0, result.exitCode(), result::describe);
    assertEquals("", result.stdout(), result::describe);
    assertTrue(result.stderr().contains(text), result::describe);
  }

  /** Connections sshd has logged so far (LogLevel VERBOSE logs each one). */
  private static long connectionsSeen() {
    return server.log().lines().filter(l -> l.startsWith("Connection from ")).count();
  }

  /** known_hosts lines for the server's name with a key of every type that is not the server's. */
  private String otherKeysRecordedForTheHost() throws Exception {
    StringBuilder lines = new StringBuilder();
    for (String type : HOST_KEY_TYPES) {
      Path other = keys.generate(work.resolve("other_host_" + type), type, "");
      lines.append(directName()).append(' ').append(SshKeys.publicKeyBlob(Path.of(other + ".pub"))).append('\n');
    }
    return lines.toString();
  }

  /** {@code @revoked <pattern> <key>} for every host key of the server. */
  private static String revokedLines(String pattern) throws Exception {
    StringBuilder lines = new StringBuilder();
    for (String type : HOST_KEY_TYPES) {
      lines.append("@revoked ").append(pattern).append(' ')
          .append(SshKeys.publicKeyBlob(server.hostPublicKey(type))).append('\n');
    }
    return lines.toString();
  }

  // This library: HostKeysTest#unknownHostIsReportedAsUnknownNotAsAMismatch ("No ED25519 host key is known for ...").
  @Test
  void stockJGitCallsAnUnknownHostAMismatch() throws Exception {
    defaultKey();
    user.config("Host 127.0.0.1", "  StrictHostKeyChecking yes");
    user.knownHosts("# nothing known");

    assertFailed(stock(directUri()), "Server key did not validate");
  }

  // This library: HostKeysTest#changedHostKeyGivesOpenSshsWarningWithBothFingerprintsAndTheOffendingLine.
  @Test
  void stockJGitCallsAChangedHostKeyByTheSameWordsAsAnUnknownHost() throws Exception {
    defaultKey();
    user.knownHosts(otherKeysRecordedForTheHost());

    ChildProcesses.Result result = stock(directUri());

    assertFailed(result, "Server key did not validate");
    assertFalse(result.stderr().contains("CHANGED"), result::describe);
  }

  // This library: HostKeysTest#revokedHostKeyIsRefusedAsRevoked (a plain line, then "@revoked *").
  // JGit's OpenSshServerKeyDatabase stops at the first line that matches the host and key; OpenSSH checks revocation
  // whatever the order.
  @Test
  void stockJGitConnectsToARevokedHostKeyWhenAPlainLineForItComesFirst() throws Exception {
    defaultKey();
    user.knownHosts(server.knownHostsLines(directName()) + revokedLines(directName()));

    assertListed(stock(directUri()));
  }

  // The same, with the revoked lines first: then stock JGit refuses, by the words it uses for an unknown host.
  @Test
  void stockJGitRefusesARevokedHostKeyOnlyWhenTheRevokedLineComesFirst() throws Exception {
    defaultKey();
    user.knownHosts(revokedLines(directName()) + server.knownHostsLines(directName()));

    ChildProcesses.Result result = stock(directUri());

    assertFailed(result, "Server key did not validate");
    assertFalse(result.stderr().toLowerCase(java.util.Locale.ROOT).contains("revoked"), result::describe);
  }

  // "@revoked *", as HostKeysTest writes it, first: MINA sshd matches a pattern without a port only on port 22, so for
  // a server on another port the revocation is ignored even before the plain line (OpenSSH matches * against
  // "[127.0.0.1]:port").
  @Test
  void stockJGitIgnoresARevokedLineWithAWildcardForAServerOnAnotherPort() throws Exception {
    defaultKey();
    user.knownHosts(revokedLines("*") + server.knownHostsLines(directName()));

    assertListed(stock(directUri()));
  }

  // This library: HostKeysTest#hostKeyAliasLooksUpAndRecordsTheKeyUnderTheAlias.
  @Test
  void stockJGitIgnoresHostKeyAliasAndRefusesTheKeyRecordedUnderTheAlias() throws Exception {
    defaultKey();
    user.config("Host gitserver", "  HostName 127.0.0.1", "  Port " + server.port(),
        "  HostKeyAlias git.corp.example.com", "  StrictHostKeyChecking yes");
    user.knownHosts(server.knownHostsLines("git.corp.example.com"));

    assertFailed(stock("ssh://" + USER + "@gitserver" + server.repoPath(REPOSITORY)), "Server key did not validate");
  }

  // This library: HostKeysTest#acceptNewRecordsTheKeyUnderHostAndPortAndRealSshAcceptsTheFile (creates known_hosts,
  // as OpenSSH does). Stock JGit asks before creating the file; with no CredentialsProvider nothing answers.
  @Test
  void stockJGitAcceptNewConnectsButRecordsNothingWhenThereIsNoKnownHostsFile() throws Exception {
    defaultKey();
    user.config("Host 127.0.0.1", "  StrictHostKeyChecking accept-new");

    assertListed(stock(directUri()));
    assertFalse(Files.exists(user.ssh("known_hosts")), "stock JGit created ~/.ssh/known_hosts");
  }

  // The same with an empty known_hosts: then it records the key it could use (ECDSA: it has no Ed25519).
  @Test
  void stockJGitAcceptNewRecordsTheKeyOnlyInAKnownHostsFileThatExists() throws Exception {
    defaultKey();
    user.config("Host 127.0.0.1", "  StrictHostKeyChecking accept-new");
    user.knownHosts("");

    assertListed(stock(directUri()));
    assertEquals(server.knownHostsLine(directName(), "ecdsa"), read(user.ssh("known_hosts")).strip());
  }

  // This library: KeyPassphraseTest#withNothingToAskTheFailureNamesTheKeyAndWhatToDo. That test uses ssh-keygen's
  // Ed25519 key; stock JGit cannot read Ed25519 at all (Ed25519Test), so here the key is ECDSA: this row is about the
  // passphrase, not the key type.
  @Test
  void stockJGitSaysOnlyNoKeysToTryForAPassphraseProtectedKey() throws Exception {
    Path key = keys.generate(user.ssh("id_ecdsa"), "ecdsa", "a passphrase " + java.util.UUID.randomUUID());
    server.authorize(Path.of(key + ".pub"));
    user.knownHosts(server.knownHostsLines(directName()));

    ChildProcesses.Result result = stock(directUri());

    assertFailed(result, "publickey: no keys to try");
    // The key is named only in a logged warning, not in the failure.
    assertTrue(result.stderr().contains("WARN org.eclipse.jgit.internal.transport.sshd.CachingKeyPairProvider - "
        + "No password data for encrypted resource=" + key), result::describe);
    assertFalse(result.stderr().substring(result.stderr().indexOf("ls-remote failed:")).contains(key.toString()),
        result::describe);
  }

  // This library: EveryHostTest#aHostBehindASocatProxyCommandIsClonedAndPushedThroughItAndVerboseSaysSo (sample-app)
  // and ConnectionRoutedTest#anotherProxyCommandIsReportedAsRunWithItsTokensExpandedAndNoTunnel.
  @Test
  void stockJGitIgnoresAProxyCommandAndFailsToResolveTheHostName() throws Exception {
    defaultKey();
    String host = "git.internal.example.com";
    user.config("Host " + host, "  User " + USER, "  ProxyCommand socat - TCP:127.0.0.1:" + server.port());
    user.knownHosts(server.knownHostsLines(host));
    long before = connectionsSeen();

    ChildProcesses.Result result = stock("ssh://" + host + server.repoPath(REPOSITORY));

    assertFailed(result, "DefaultConnectFuture[" + USER + "@" + host + "/<unresolved>:22]: Failed "
        + "(UnresolvedAddressException)");
    // Had socat run, sshd would have logged its connection.
    assertEquals(before, connectionsSeen(), server::log);
  }

  // This library: SshConfigParityTest#identityFilePortAndHostNameInAMatchBlockTakeEffect (same block; the other host
  // fails there).
  @Test
  void stockJGitAppliesAMatchOriginalhostBlockToAnotherHost() throws Exception {
    // The only key the server accepts is where nothing but the Match block's IdentityFile points.
    copyKey(ecdsaKey, user.ssh("match_key"));
    user.config("Match originalhost direct-alias", "  HostName 127.0.0.1", "  Port " + server.port(),
        "  IdentityFile ~/.ssh/match_key");
    user.knownHosts(server.knownHostsLines(directName()));

    assertListed(stock("ssh://" + USER + "@other-alias.invalid" + server.repoPath(REPOSITORY)));
  }

  // This library: SshConfigParityTest#aProblemInTheConfigFileFailsTheConnectionNamingFileAndLine ("line 2: Bad port
  // 'x'.", as OpenSSH says).
  @Test
  void stockJGitConnectsWithABadPortInAMatchBlockWithoutAWord() throws Exception {
    defaultKey();
    user.config("Match host 127.0.0.1", "  Port x");
    user.knownHosts(server.knownHostsLines(directName()));

    ChildProcesses.Result result = stock(directUri());

    assertListed(result);
    assertFalse(result.stderr().contains("WARN"), result::describe);
  }

  // This library: SshConfigParityTest#anIpv6LiteralUrlClonesDirectlyAndThroughPomerium. sshd listens on ::1 too, and
  // sees no connection: stock JGit fails in its host-pattern parsing before it connects.
  @Test
  void stockJGitRejectsAnIpv6LiteralUrlBeforeConnecting() throws Exception {
    assertTrue(server.log().contains("Server listening on ::1 port " + server.port() + "."),
        () -> "this test needs sshd on ::1 (IPv6 on the loopback interface); its log:\n" + server.log());
    defaultKey();
    user.knownHosts(server.knownHostsLines("[::1]:" + server.port()));
    long before = connectionsSeen();

    ChildProcesses.Result result = stock("ssh://" + USER + "@[::1]:" + server.port() + server.repoPath(REPOSITORY));

    assertFailed(result, "java.lang.IllegalArgumentException: Invalid non-standard port value host pattern "
        + "enclosure delimiters in [::1]");
    assertEquals(before, connectionsSeen(), server::log);
  }

  private static String read(Path file) throws java.io.IOException {
    return Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
  }
}
