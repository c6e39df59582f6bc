package dev.jgitpomerium.sample;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the command line prints on standard error, with OpenSSH as the yardstick: without {@code -v} no log line of the
 * library, JGit or MINA sshd, only the lines OpenSSH itself prints at its default LogLevel, exactly as it prints them
 * (measured here by running {@code ssh} through {@code git} with the same config against the same Debian sshd), and
 * a failure's one {@code jgit-pomerium:} line; with {@code -v} the log too.
 */
class StandardErrorTest extends CliTestbedTest {
  private static final String REPOSITORY = "project.git";
  private static final String PASSPHRASE = "correct horse battery staple";

  private OpenSshServer server;
  private ChildProcesses processes;
  private Path knownHosts;
  private String uri;

  @BeforeEach
  void startOpenSsh() throws Exception {
    // Also on ::1, for the IPv6 test; the port is the one sshd was given with -p.
    server = OpenSshServer.start(List.of("ListenAddress ::1"), REPOSITORY);
    processes = new ChildProcesses(dir.resolve("process-output"), dir.resolve("openssh-home"));
    knownHosts = testbed.sshDirectory.resolve("known_hosts");
    Files.writeString(knownHosts, server.knownHostsLine("[127.0.0.1]:" + server.port()) + "\n", US_ASCII);
    uri = "ssh://" + OpenSshServer.USER + "@127.0.0.1:" + server.port() + server.repoPath(REPOSITORY);
  }

  @AfterEach
  void stopOpenSsh() throws Exception {
    try {
      processes.close();
    } finally {
      server.close();
    }
  }

  @Test
  void aFirstConnectionPrintsOpenSshsPermanentlyAddedLineAndNothingElse() throws Exception {
    writeConfig("StrictHostKeyChecking accept-new", "IdentityFile " + server.clientKey());
    Files.writeString(knownHosts, "", US_ASCII);
    ChildProcesses.Result openSsh = openSshLsRemote();
    assertEquals(0, openSsh.exitCode(), openSsh::describe);
    assertTrue(openSsh.stderr().startsWith("Warning: Permanently added '[127.0.0.1]:" + server.port() + "' ("),
        openSsh::describe);

    Files.writeString(knownHosts, "", US_ASCII);
    assertEquals(0, testbed.run("ls-remote", uri), testbed.err());

    // OpenSSH ends its log lines with \r\n; the line is the same.
    assertEquals(openSsh.stderr().lines().toList(), testbed.err().lines().toList(),
        "exactly OpenSSH's line, and nothing else");
    assertTrue(testbed.out().contains("\trefs/heads/main"), testbed.out());
  }

  @Test
  void anAgentThatCannotBeReachedIsNotMentionedWhenAKeyLogsInAsWithOpenSsh() throws Exception {
    writeConfig("IdentityAgent " + dir.resolve("dead-agent.sock"), "IdentityFile " + server.clientKey());
    ChildProcesses.Result openSsh = openSshLsRemote();
    assertEquals(0, openSsh.exitCode(), openSsh::describe);
    assertEquals("", openSsh.stderr());

    assertEquals(0, testbed.run("ls-remote", uri), testbed.err());
    assertEquals("", testbed.err());

    assertEquals(0, testbed.run("-v", "ls-remote", uri), testbed.err());
    assertTrue(testbed.err().contains("WARN UnixSocketAgentConnector - the ssh-agent at "), "-v shows the log:\n"
        + testbed.err());
  }

  @Test
  void aMissingIdentityFileIsWarnedOfInOpenSshsWordsAndTheFailureIsOneLine() throws Exception {
    writeConfig();
    Path missing = dir.resolve("no-such-key");
    ChildProcesses.Result openSsh = openSshLsRemote("-i", missing.toString());
    String warning = openSsh.stderr().lines().findFirst().orElseThrow();
    assertEquals("Warning: Identity file " + missing + " not accessible: No such file or directory.", warning,
        openSsh::describe);

    // ssh drops the file and offers the default keys, as with no -i; here none of them is authorized.
    assertEquals(255, openSshExitStatus(openSsh), openSsh::describe);
    assertEquals(1, testbed.run("ls-remote", "-i", missing.toString(), uri), testbed.err());

    assertTrue(testbed.err().startsWith(warning + "\n"), testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.contains("Cannot log in"), line);
    assertNoLogLines(testbed.err());

    assertEquals(1, testbed.run("-v", "ls-remote", "-i", missing.toString(), uri), testbed.err());
    assertTrue(testbed.err().startsWith(warning + "\n"), testbed.err());
    assertTrue(testbed.err().contains(" directly\n"), "-v shows the way the connection went:\n" + testbed.err());
  }

  @Test
  void aProxyCommandsStandardErrorIsPassedThroughUnchangedAsOpenSshDoes() throws Exception {
    writeConfig("IdentityFile " + server.clientKey(), "ProxyCommand sh -c 'echo hello from the proxy >&2; "
        + "exec socat - TCP:127.0.0.1:" + server.port() + "'");
    ChildProcesses.Result openSsh = openSshLsRemote();
    assertEquals(0, openSsh.exitCode(), openSsh::describe);
    assertEquals("hello from the proxy\n", openSsh.stderr());

    assertEquals(0, testbed.run("ls-remote", uri), testbed.err());

    assertEquals(openSsh.stderr(), testbed.err());
  }

  @Test
  void aFailedProxyCommandsStandardErrorIsPrintedOnceAndTheFailureIsOneLine() throws Exception {
    // Quotes, so that the command line (which the failure quotes) does not hold the line it prints.
    writeConfig("IdentityFile " + server.clientKey(),
        "ProxyCommand sh -c 'echo no route to the \"bastion\" >&2; exit 3'");
    ChildProcesses.Result openSsh = openSshLsRemote();
    assertTrue(openSsh.stderr().startsWith("no route to the bastion\n"), openSsh::describe);

    assertEquals(1, testbed.run("ls-remote", uri), testbed.err());

    assertEquals("no route to the bastion", testbed.err().lines().findFirst().orElseThrow(), testbed.err());
    assertEquals(1, occurrences(testbed.err(), "no route to the bastion"), testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.contains("ProxyCommand") && line.contains("exited with status 3"), line);
    assertNoLogLines(testbed.err());
  }

  @Test
  void aFailedProxyCommandIsNamedByItsProgramAndPlaceNeverByItsLineWhichMayHoldAPassword() throws Exception {
    String secret = "Pr0xyPassw0rd";
    writeConfig("IdentityFile " + server.clientKey(), "ProxyCommand " + dir.resolve("no-such-dir/proxytunnel")
        + " -p 127.0.0.1:3129 -P alice:" + secret + " -d %h:%p");
    ChildProcesses.Result openSsh = openSshLsRemote();
    assertFalse(openSsh.stderr().contains(secret), openSsh::describe);

    assertEquals(1, testbed.run("-v", "ls-remote", uri), testbed.err());

    String all = testbed.out() + testbed.err();
    assertFalse(all.contains(secret), "the ProxyCommand's password is shown:\n" + all);
    // The failure names the program and its place in ssh config; -v adds the way the connection went.
    assertTrue(testbed.err().contains(": ProxyCommand 'proxytunnel ...' (~/.ssh/config line 5) for 127.0.0.1:"
        + server.port() + " exited with status 127 before the SSH server spoke\n"), all);
    assertTrue(testbed.err().contains(" via ProxyCommand 'proxytunnel ...'\n"), "-v names the program:\n" + all);
  }

  @Test
  void threeWrongPassphrasesOnATerminalEndInTheOneLineWithoutALogOrStackTrace() throws Exception {
    Path key = server.newClientKey("id_ed25519_protected", PASSPHRASE);
    List<String> command = CliProcess.jgitPomerium(testbed.home, "ls-remote", "-i", key.toString(), uri);
    try (PseudoTerminal terminal = PseudoTerminal.start(processes, dir, Map.of(), command)) {
      for (int i = 0; i < 3; i++) {
        terminal.await("Enter passphrase for key '" + key + "': ");
        terminal.type("not the passphrase");
      }
      assertEquals(1, terminal.exitCode(), terminal.screen());
      String screen = terminal.screen();
      assertTrue(screen.contains("jgit-pomerium: "), screen);
      assertNoLogLines(screen);
    }
  }

  @Test
  void aPassphraseProtectedKeyWithNothingToAskEndsInTheOneLineWithoutALog() throws Exception {
    Path key = server.newClientKey("id_ed25519_protected", PASSPHRASE);
    List<String> command = new ArrayList<>(List.of("setsid", "-w"));
    command.addAll(CliProcess.jgitPomerium(testbed.home, "ls-remote", "-i", key.toString(), uri));

    ChildProcesses.Result result = processes.run(dir, Map.of(), command);

    assertEquals(1, result.exitCode(), result::describe);
    assertTrue(result.stderr().startsWith("jgit-pomerium: "), result::describe);
    assertEquals(1, result.stderr().lines().filter(l -> l.startsWith("jgit-pomerium: ")).count(), result::describe);
    assertNoLogLines(result.stderr());
    assertEquals("", result.stdout());
  }

  @Test
  void verboseNamesAnIpv6HostInOpenSshsShortFormInBrackets() throws Exception {
    Files.writeString(knownHosts, server.knownHostsLine("[::1]:" + server.port()) + "\n", US_ASCII);
    String ipv6 = "ssh://" + OpenSshServer.USER + "@[::1]:" + server.port() + server.repoPath(REPOSITORY);

    assertEquals(0, testbed.run("-v", "ls-remote", "-i", server.clientKey().toString(), ipv6), testbed.err());

    assertEquals(List.of("jgit-pomerium: [::1]:" + server.port() + " directly"), testbed.err().lines()
        .filter(l -> l.startsWith("jgit-pomerium: ")).toList(), testbed.err());
    assertTrue(testbed.out().contains("\trefs/heads/main"), testbed.out());
  }

  @Test
  void disabledTlsVerificationIsAlwaysWarnedOf() throws Exception {
    // The testbed's own server behind its gateway.
    testbed.writeKnownHosts(PublicKeyEntry.toString(testbed.ssh.hostPublicKey()));
    assertEquals(0, testbed.run("ls-remote", "--pomerium-url", testbed.gateway.url(), "--disable-tls-verification",
        "--service-account", CliTestbed.TOKEN, CliTestbed.URI), testbed.err());

    List<String> lines = testbed.err().lines().toList();
    assertEquals(1, lines.size(), testbed.err());
    assertTrue(lines.get(0).startsWith("Warning: TLS verification is disabled for Pomerium at "), lines.get(0));
  }

  /** Writes ~/.ssh/config with a {@code Host 127.0.0.1} block of {@code lines}, its user and known_hosts file. */
  private void writeConfig(String... lines) throws Exception {
    List<String> all = new ArrayList<>(List.of("User " + OpenSshServer.USER, "UserKnownHostsFile " + knownHosts));
    all.addAll(Arrays.asList(lines));
    testbed.writeSshConfig("Host 127.0.0.1\n  " + String.join("\n  ", all) + "\n");
  }

  /** The control: Debian's git ls-remote with OpenSSH and the same config; git's stderr holds what ssh printed. */
  private ChildProcesses.Result openSshLsRemote(String... sshOptions) throws Exception {
    List<String> ssh = new ArrayList<>(List.of("ssh", "-F", testbed.sshDirectory.resolve("config").toString(),
        "-o", "BatchMode=yes"));
    ssh.addAll(Arrays.asList(sshOptions));
    return processes.run(dir, Map.of("GIT_SSH_COMMAND", ChildProcesses.shellCommand(ssh)),
        List.of("git", "ls-remote", uri));
  }

  /** ssh's own exit status, which git reports as a failed read from the remote (128) with ssh's lines before it. */
  private static int openSshExitStatus(ChildProcesses.Result git) {
    return git.exitCode() == 0 ? 0 : git.stderr().contains("Permission denied") ? 255 : git.exitCode();
  }

  private static void assertNoLogLines(String stderr) {
    for (String level : List.of("WARN ", "INFO ", "ERROR ", "DEBUG ")) {
      assertFalse(stderr.lines().anyMatch(l -> l.startsWith(level)), stderr);
    }
    assertFalse(stderr.contains("\tat "), stderr);
    assertFalse(stderr.contains("CachingKeyPairProvider"), stderr);
  }

  private static int occurrences(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }
}
