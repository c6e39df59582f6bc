package dev.jgitpomerium.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * {@code keyscan} fetches a host's keys through Pomerium, where ssh-keyscan cannot go: its output is what ssh-keyscan
 * prints when it can reach the server directly, and appended to an empty known_hosts it lets the real ssh and git,
 * and this program, connect with StrictHostKeyChecking yes.
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
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
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

    ChildProcesses.Result direct = environment.processes().run(work,
        List.of("ssh-keyscan", "-p", Integer.toString(server.port()), "127.0.0.1"));
    assertEquals(0, direct.exitCode(), direct.describe());
    List<String> expected = sortedLines(direct.stdout().replace("[127.0.0.1]:" + server.port(), HOST));
    assertEquals(3, expected.size(), direct.describe());
    assertEquals(expected, sortedLines(scan.stdout()));

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

  private static String[] concat(String[]... parts) {
    List<String> all = new ArrayList<>();
    for (String[] part : parts) {
      all.addAll(List.of(part));
    }
    return all.toArray(String[]::new);
  }
}
