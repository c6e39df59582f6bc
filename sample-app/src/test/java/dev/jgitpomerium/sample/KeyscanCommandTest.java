package dev.jgitpomerium.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyscan} fetches a host's keys through Pomerium, where ssh-keyscan cannot go, and as a git command reaches any
 * other host (its ProxyCommand, or directly): its output is what ssh-keyscan prints when it can reach the server
 * directly, every key type, under the name known_hosts is searched for (after ssh config's HostName, Port and
 * HostKeyAlias); appended to an empty known_hosts it lets the real ssh and git, and this program, connect with
 * StrictHostKeyChecking yes. Its deliberately refused scan connections log no warning, and a host it cannot reach is
 * named as OpenSSH names it.
 */
class KeyscanCommandTest {
  private static final String HOST = "git.corp.example.com";
  private static final String REPOSITORY = "project.git";

  @TempDir Path work;
  private final String token = "keyscan-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private OpenSshServer server;
  private Path home;

  @BeforeEach
  void start() throws Exception {
    // Also on ::1, for scans of an IPv6 literal.
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token, List.of("ListenAddress ::1"));
    environment.startGateway(token, HOST + ":22");
    server = environment.server();
    home = Files.createDirectories(work.resolve("home/.ssh")).getParent();
    Files.writeString(home.resolve(".ssh/config"), "Host *\n  StrictHostKeyChecking yes\n", UTF_8);
  }

  @AfterEach
  void stop() throws Exception {
    environment.close();
  }

  private String[] pomeriumFlags() {
    return new String[] {"--pomerium-url", environment.gatewayUrl(), "--alternate-ca-path",
        environment.caFile().toString(), "--service-account-file", environment.tokenFile().toString()};
  }

  private ChildProcesses.Result keyscan() throws Exception {
    List<String> args = new ArrayList<>(List.of("keyscan"));
    args.addAll(List.of(pomeriumFlags()));
    args.add(HOST);
    return environment.processes().run(work, CliProcess.jgitPomerium(home, args.toArray(String[]::new)));
  }

  private static List<String> sortedLines(String text) {
    return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).sorted().toList();
  }

  @Test
  void keyscanThroughPomeriumPrintsWhatSshKeyscanPrintsDirectly() throws Exception {
    ChildProcesses.Result scan = keyscan();
    assertEquals(0, scan.exitCode(), scan.describe());

    assertEquals(sshKeyscan(HOST), sortedLines(scan.stdout()), scan.describe());
    assertNoWarnings(scan);

    for (String type : List.of("ed25519", "ecdsa", "rsa")) {
      String fingerprint = environment.processes().check(null,
          List.of("ssh-keygen", "-lf", server.hostPublicKey(type).toString())).split(" ")[1];
      assertTrue(scan.stderr().contains(fingerprint), scan.describe());
    }
  }

  @Test
  void itsOutputInAnEmptyKnownHostsLetsSshGitAndTheCommandLineConnectStrictly() throws Exception {
    ChildProcesses.Result scan = keyscan();
    assertEquals(0, scan.exitCode(), scan.describe());
    Path knownHosts = Files.writeString(work.resolve("known_hosts"), scan.stdout(), UTF_8);
    String url = "ssh://" + OpenSshServer.USER + "@" + HOST + server.repoPath(REPOSITORY);

    // The real git and ssh, through the tcp command as ProxyCommand, with strict checking.
    String proxyCommand = ChildProcesses.shellCommand(CliProcess.jgitPomerium(home, concat(
        new String[] {"tcp", "--listen", "-"}, pomeriumFlags(), new String[] {"DESTINATION"})))
        .replace("%", "%%").replace(ChildProcesses.shellQuote("DESTINATION"), "%h:%p");
    String ssh = ChildProcesses.shellCommand(List.of("ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile="
        + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o",
        "BatchMode=yes", "-i", server.clientKey().toString(), "-o", "ProxyCommand=" + proxyCommand));
    ChildProcesses.Result git = environment.processes().run(work, Map.of("GIT_SSH_COMMAND", ssh),
        List.of("git", "ls-remote", url));
    assertEquals(0, git.exitCode(), git.describe());
    assertTrue(git.stdout().contains("refs/heads/main"), git.describe());

    // This program's JGit, with StrictHostKeyChecking yes from ~/.ssh/config.
    ChildProcesses.Result lsRemote = environment.processes().run(work, CliProcess.jgitPomerium(home, concat(
        new String[] {"ls-remote"}, pomeriumFlags(), new String[] {"-i", server.clientKey().toString(),
            "--known-hosts", knownHosts.toString(), url})));
    assertEquals(0, lsRemote.exitCode(), lsRemote.describe());
    assertTrue(lsRemote.stdout().contains("refs/heads/main"), lsRemote.describe());
  }

  private ChildProcesses.Result keyscanDirectly(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("keyscan"));
    all.addAll(List.of(args));
    return environment.processes().run(work, CliProcess.jgitPomerium(home, all.toArray(String[]::new)));
  }

  /** What ssh-keyscan prints for the server, with its name replaced by {@code name}: three lines, sorted. */
  private List<String> sshKeyscan(String name) throws Exception {
    return sshKeyscan("127.0.0.1", name);
  }

  /** What ssh-keyscan prints for the server at {@code address}, its name replaced by {@code name}; sorted. */
  private List<String> sshKeyscan(String address, String name) throws Exception {
    ChildProcesses.Result direct = environment.processes().run(work,
        List.of("ssh-keyscan", "-p", Integer.toString(server.port()), address));
    assertEquals(0, direct.exitCode(), direct.describe());
    List<String> lines = sortedLines(direct.stdout().replace("[" + address + "]:" + server.port(), name));
    assertEquals(3, lines.size(), direct.describe());
    return lines;
  }

  /** The scan's own connections are refused on purpose; that is no warning for the user. */
  private static void assertNoWarnings(ChildProcesses.Result scan) {
    assertFalse(scan.stderr().contains("WARN"), scan.describe());
    assertFalse(scan.stderr().contains("did not validate"), scan.describe());
  }

  @Test
  void keyscanOfADirectlyReachedHostPrintsEveryKeyTypeAsSshKeyscanDoes() throws Exception {
    // ~/.ssh/known_hosts holds only the Ed25519 key, as OpenSSH records it: the scan must not stop at it.
    String name = "[127.0.0.1]:" + server.port();
    Files.writeString(home.resolve(".ssh/known_hosts"), server.knownHostsLine(name, "ed25519"), UTF_8);
    List<String> expected = sshKeyscan(name);
    for (String[] args : List.of(new String[] {"-p", Integer.toString(server.port()), "127.0.0.1"},
        new String[] {"127.0.0.1:" + server.port()})) {
      ChildProcesses.Result scan = keyscanDirectly(args);
      assertEquals(0, scan.exitCode(), scan.describe());
      assertEquals(expected, sortedLines(scan.stdout()), scan.describe());
      assertNoWarnings(scan);
    }
    Files.delete(home.resolve(".ssh/known_hosts"));
    ChildProcesses.Result scan = keyscanDirectly("127.0.0.1:" + server.port());
    assertEquals(0, scan.exitCode(), scan.describe());
    assertEquals(expected, sortedLines(scan.stdout()), scan.describe());
    assertNoWarnings(scan);

    // An IPv6 literal, written as in a git URL, under the name ssh-keyscan gives it.
    ChildProcesses.Result ipv6 = keyscanDirectly("[0:0::1]:" + server.port());
    assertEquals(0, ipv6.exitCode(), ipv6.describe());
    String ipv6Name = "[::1]:" + server.port();
    assertEquals(sshKeyscan("::1", ipv6Name), sortedLines(ipv6.stdout()), ipv6.describe());
    assertNoWarnings(ipv6);
  }

  @Test
  void keyscanOfAnSshConfigAliasPrintsTheNameSshLooksTheKeysUpUnder() throws Exception {
    Files.writeString(home.resolve(".ssh/config"), String.join("\n",
        "Host viasocat",
        "  HostName 127.0.0.1",
        "  Port " + server.port(),
        "  ProxyCommand socat - TCP:%h:%p",
        "Host direct",
        "  HostName 127.0.0.1",
        "  Port " + server.port(),
        "Host aliased",
        "  HostName 127.0.0.1",
        "  Port " + server.port(),
        "  HostKeyAlias git-server.example",
        "Host *",
        "  User " + OpenSshServer.USER,
        "  IdentityFile " + server.clientKey(),
        "  StrictHostKeyChecking yes",
        ""), UTF_8);
    for (String alias : List.of("viasocat", "direct", "aliased")) {
      String name = alias.equals("aliased") ? "git-server.example" : "[127.0.0.1]:" + server.port();
      ChildProcesses.Result scan = keyscanDirectly(alias);
      assertEquals(0, scan.exitCode(), scan.describe());
      assertEquals(sshKeyscan(name), sortedLines(scan.stdout()), alias + ": " + scan.describe());
      assertNoWarnings(scan);

      // Its output as the only known_hosts: the real ssh (through git) and this program connect strictly.
      Path knownHosts = Files.writeString(home.resolve(".ssh/known_hosts"), scan.stdout(), UTF_8);
      String ssh = ChildProcesses.shellCommand(List.of("ssh", "-F", home.resolve(".ssh/config").toString(), "-o",
          "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes"));
      ChildProcesses.Result git = environment.processes().run(work, Map.of("GIT_SSH_COMMAND", ssh),
          List.of("git", "ls-remote", alias + ":" + server.repoPath(REPOSITORY)));
      assertEquals(0, git.exitCode(), alias + ": " + git.describe());
      ChildProcesses.Result lsRemote = environment.processes().run(work, CliProcess.jgitPomerium(home,
          "ls-remote", alias + ":" + server.repoPath(REPOSITORY)));
      assertEquals(0, lsRemote.exitCode(), alias + ": " + lsRemote.describe());
      assertTrue(lsRemote.stdout().contains("refs/heads/main"), lsRemote.describe());
    }
  }

  @Test
  void anUnreachableHostIsNamedWithItsPortNotWithTheScansInternalUser() throws Exception {
    ChildProcesses.Result scan = keyscanDirectly("-p", "1", "127.0.0.1");
    assertEquals(1, scan.exitCode(), scan.describe());
    // As OpenSSH says it: "ssh: connect to host 127.0.0.1 port 1: Connection refused".
    assertTrue(scan.stderr().contains("host 127.0.0.1 port 1: Connection refused"), scan.describe());
    assertFalse(scan.stderr().contains("jgit-pomerium-keyscan"), scan.describe());
    assertFalse(scan.stderr().contains("Future"), scan.describe());

    // An ssh config alias: the alias, and where it leads.
    Files.writeString(home.resolve(".ssh/config"), "Host gone\n  HostName 127.0.0.1\n  Port 1\n", UTF_8);
    ChildProcesses.Result alias = keyscanDirectly("gone");
    assertEquals(1, alias.exitCode(), alias.describe());
    assertTrue(alias.stderr().contains("gone: connect to host 127.0.0.1 port 1: Connection refused"),
        alias.describe());
    assertFalse(alias.stderr().contains("jgit-pomerium-keyscan"), alias.describe());
  }

  @Test
  void anUnresolvableHostOrJumpHostIsNamedAsOpenSshNamesIt() throws Exception {
    // ssh-keyscan: "getaddrinfo nonexist.invalid: Name or service not known"; ssh and ls-remote: "Could not resolve
    // hostname nonexist.invalid: Name or service not known".
    ChildProcesses.Result sshKeyscan = environment.processes().run(work, List.of("ssh-keyscan", "nonexist.invalid"));
    assertTrue(sshKeyscan.stderr().contains("nonexist.invalid: Name or service not known"), sshKeyscan.describe());
    ChildProcesses.Result scan = keyscanDirectly("nonexist.invalid");
    assertEquals(1, scan.exitCode(), scan.describe());
    assertTrue(scan.stderr().contains(
        "nonexist.invalid: Could not resolve hostname nonexist.invalid: Name or service not known"), scan.describe());
    assertFalse(scan.stderr().contains("Future"), scan.describe());
    assertFalse(scan.stderr().contains("Exception"), scan.describe());

    // Behind a ProxyJump the only host connected to directly is the jump host: it is the one named, never the target.
    Files.writeString(home.resolve(".ssh/config"), String.join("\n",
        "Host viajbad",
        "  HostName ::1",
        "  Port " + server.port(),
        "  ProxyJump " + OpenSshServer.USER + "@127.0.0.1:1",
        "Host viajnx",
        "  HostName ::1",
        "  Port " + server.port(),
        "  ProxyJump nonexist.invalid",
        ""), UTF_8);
    ChildProcesses.Result refused = keyscanDirectly("viajbad");
    assertEquals(1, refused.exitCode(), refused.describe());
    assertTrue(refused.stderr().contains("viajbad: connect to host 127.0.0.1 port 1: Connection refused"),
        refused.describe());
    ChildProcesses.Result unresolved = keyscanDirectly("viajnx");
    assertEquals(1, unresolved.exitCode(), unresolved.describe());
    assertTrue(unresolved.stderr().contains(
        "viajnx: Could not resolve hostname nonexist.invalid: Name or service not known"), unresolved.describe());
    for (ChildProcesses.Result r : List.of(refused, unresolved)) {
      assertFalse(r.stderr().contains("::1"), r.describe());
    }
  }

  @Test
  void theAdviceForAnUnknownHostWithAHostKeyAliasScansTheHostAsGivenNotTheAliasAndWorksAsWritten() throws Exception {
    Files.writeString(home.resolve(".ssh/config"), String.join("\n",
        "Host aliased",
        "  HostName 127.0.0.1",
        "  Port " + server.port(),
        "  HostKeyAlias gitalias",
        "Host *",
        "  User " + OpenSshServer.USER,
        "  IdentityFile " + server.clientKey(),
        "  StrictHostKeyChecking yes",
        ""), UTF_8);
    String[] lsRemote = {"ls-remote", "aliased:" + server.repoPath(REPOSITORY)};
    ChildProcesses.Result refused = environment.processes().run(work, CliProcess.jgitPomerium(home, lsRemote));
    assertEquals(1, refused.exitCode(), refused.describe());
    Path knownHosts = home.resolve(".ssh/known_hosts");
    // The alias has no Host block of its own: scanning it would reach nothing.
    String keyscan = "keyscan aliased:" + server.port() + " >> " + knownHosts;
    assertTrue(refused.stderr().contains("`java -jar jgit-pomerium.jar " + keyscan + "` (it records the key under "
        + "the HostKeyAlias gitalias)"), refused.describe());
    assertFalse(refused.stderr().contains("keyscan gitalias"), refused.describe());

    // The command as advised prints the keys under the alias; with them the connection passes.
    ChildProcesses.Result scan = keyscanDirectly("aliased:" + server.port());
    assertEquals(0, scan.exitCode(), scan.describe());
    assertEquals(sshKeyscan("gitalias"), sortedLines(scan.stdout()), scan.describe());
    Files.writeString(knownHosts, scan.stdout(), UTF_8);
    ChildProcesses.Result accepted = environment.processes().run(work, CliProcess.jgitPomerium(home, lsRemote));
    assertEquals(0, accepted.exitCode(), accepted.describe());
    assertTrue(accepted.stdout().contains("refs/heads/main"), accepted.describe());
  }

  @Test
  void theAdviceForAnUnknownIpv6HostWorksAsWritten() throws Exception {
    // Host * StrictHostKeyChecking yes, an empty known_hosts: the connection is refused with advice.
    String url = "ssh://" + OpenSshServer.USER + "@[::1]:" + server.port() + server.repoPath(REPOSITORY);
    String[] lsRemote = {"ls-remote", "-i", server.clientKey().toString(), url};
    ChildProcesses.Result refused = environment.processes().run(work, CliProcess.jgitPomerium(home, lsRemote));
    assertEquals(1, refused.exitCode(), refused.describe());
    Path knownHosts = home.resolve(".ssh/known_hosts");
    String keyscan = "keyscan [::1]:" + server.port() + " >> " + knownHosts;
    assertTrue(refused.stderr().contains("`java -jar jgit-pomerium.jar " + keyscan + "`"), refused.describe());
    String sshKeyscan = "ssh-keyscan -p " + server.port() + " ::1 >> " + knownHosts;
    assertTrue(refused.stderr().contains("`" + sshKeyscan + "`"), refused.describe());

    // Both commands, run as advised, print the key under the name it was looked up under: the connection then works.
    ChildProcesses.Result scan = keyscanDirectly("[::1]:" + server.port());
    assertEquals(0, scan.exitCode(), scan.describe());
    assertEquals(sshKeyscan("::1", "[::1]:" + server.port()), sortedLines(scan.stdout()), scan.describe());
    ChildProcesses.Result direct = environment.processes().run(work,
        List.of("ssh-keyscan", "-p", Integer.toString(server.port()), "::1"));
    assertEquals(0, direct.exitCode(), direct.describe());
    for (String lines : List.of(scan.stdout(), direct.stdout())) {
      Files.writeString(knownHosts, lines, UTF_8);
      ChildProcesses.Result accepted = environment.processes().run(work, CliProcess.jgitPomerium(home, lsRemote));
      assertEquals(0, accepted.exitCode(), accepted.describe());
      assertTrue(accepted.stdout().contains("refs/heads/main"), accepted.describe());
    }
  }

  private static String[] concat(String[]... parts) {
    List<String> all = new ArrayList<>();
    for (String[] part : parts) {
      all.addAll(List.of(part));
    }
    return all.toArray(String[]::new);
  }
}
