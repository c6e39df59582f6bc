package dev.jgitpomerium.sample;

import static dev.jgitpomerium.sample.CliProcess.jgitPomerium;
import static dev.jgitpomerium.testkit.ChildProcesses.shellCommand;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.testkit.RecordedConnect;
import dev.jgitpomerium.testkit.Socks5Proxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git command line and OpenSSH, unchanged, reach a real sshd behind Pomerium with this program's {@code tcp
 * --listen -} as ssh's ProxyCommand, exactly as with pomerium-cli: git clones and pushes, Pomerium sees one CONNECT
 * with the service-account token per git command, and standard output carries nothing but the tunnel. With
 * pomerium-cli's {@code --forward-proxy} the tunnel goes through a real SOCKS5 proxy that alone resolves Pomerium's
 * name.
 *
 * <p>The ProxyCommand runs {@link Main} from this test run's class path, in its own JVM: the jar is built only in
 * the package phase, after the tests.
 */
class GitCliThroughTcpProxyCommandTest {
  private static final String HOST = "git.corp.example.com";
  private static final String DESTINATION = HOST + ":22";
  private static final String REPOSITORY = "project.git";

  @TempDir Path work;

  private final String token = "openssh-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private OpenSshServer server;
  private ChildProcesses processes;
  private PomeriumGateway gateway;
  private Path tokenFile;
  private Path caFile;
  private Path knownHosts;
  /** The tcp command's --forward-proxy, if not null. */
  private String forwardProxy;

  @BeforeEach
  void startServer() throws Exception {
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
    server = environment.server();
    processes = environment.processes();
    tokenFile = environment.tokenFile();
    knownHosts = work.resolve("known_hosts");
    Files.writeString(knownHosts, server.knownHostsLine(HOST) + "\n", UTF_8);
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (environment != null) {
      environment.close();
    }
  }

  @Test
  void gitCloneThroughTheTcpProxyCommandGetsTheServersCommit() throws Exception {
    startGateway(token);
    Path clone = work.resolve("clone");

    ChildProcesses.Result result = git(work, "clone", url(REPOSITORY), clone.toString());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + server.log());
    assertEquals(server.revParse(REPOSITORY, "main"), git(clone, "rev-parse", "HEAD").stdout().strip());
    assertTrue(Files.isRegularFile(clone.resolve("README.md")));
  }

  @Test
  void gitPushThroughTheTcpProxyCommandMovesTheServersMainBranch() throws Exception {
    startGateway(token);
    Path clone = work.resolve("clone");
    checkGit(work, "clone", url(REPOSITORY), clone.toString());
    String seeded = server.revParse(REPOSITORY, "main");
    Files.writeString(clone.resolve("pushed.txt"), "pushed with git through pomerium\n", UTF_8);
    checkGit(clone, "add", "pushed.txt");
    checkGit(clone, "commit", "-q", "-m", "Push through Pomerium");
    String committed = checkGit(clone, "rev-parse", "HEAD").strip();

    ChildProcesses.Result push = git(clone, "push", "origin", "main");

    assertEquals(0, push.exitCode(), () -> push.describe() + "\n--- sshd ---\n" + server.log());
    assertNotEquals(seeded, committed);
    assertEquals(committed, server.revParse(REPOSITORY, "main"));
  }

  @Test
  void pomeriumSeesOneConnectWithTheServiceAccountTokenForEachGitCommand() throws Exception {
    startGateway(token);
    Path clone = work.resolve("clone");
    checkGit(work, "clone", url(REPOSITORY), clone.toString());
    checkGit(clone, "fetch", "origin");
    checkGit(clone, "ls-remote", "origin");
    Files.writeString(clone.resolve("more.txt"), "more\n", UTF_8);
    checkGit(clone, "add", "more.txt");
    checkGit(clone, "commit", "-q", "-m", "More");
    checkGit(clone, "push", "origin", "main");

    List<RecordedConnect> requests = gateway.requests();
    assertEquals(4, requests.size(), requests::toString);
    for (RecordedConnect request : requests) {
      assertEquals("CONNECT", request.method());
      assertEquals(DESTINATION, request.target());
      // Not assertEquals: a failure message must not show the token.
      assertTrue(("Pomerium " + token).equals(request.authorization()),
          "CONNECT #" + request.sequenceNumber() + " did not carry 'Authorization: Pomerium <the token in the file>'");
    }
  }

  @Test
  void theTcpCommandWritesNothingButTunnelBytesToStandardOutput() throws Exception {
    startGateway(token);

    // Standard input at its end at once: the tunnel opens, perhaps passes the server's banner, and closes.
    ChildProcesses.Result result = processes.run(work, tcpCommand(DESTINATION));

    assertEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stdout().isEmpty() || result.stdout().startsWith("SSH-2.0-"),
        () -> "standard output must carry only the tunnel's bytes, here at most sshd's banner:\n" + result.describe());
    assertEquals(1, gateway.requestCount());
    assertFalse(result.stderr().contains(token), "the token appeared on standard error");
  }

  @Test
  void theTcpCommandEndsWhenTheServerClosesTheConnectionThoughItsInputStaysOpen() throws Exception {
    startGateway(token);
    Process tcp = processes.start(processes.builder(work, Map.of(), tcpCommand(DESTINATION))
        .redirectError(work.resolve("tcp.err").toFile()));
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(tcp.getInputStream(), stdout), "tcp-stdout");
    reader.setDaemon(true);
    reader.start();
    OutputStream stdin = tcp.getOutputStream();
    try {
      // sshd answers an identification string that is not SSH with a message and closes the connection.
      stdin.write("this is not SSH\r\n".getBytes(UTF_8));
      stdin.flush();

      boolean ended = tcp.waitFor(20, TimeUnit.SECONDS);

      assertTrue(ended, () -> "tcp --listen - still runs 20 s after the server closed the tunnel, waiting for its "
          + "standard input to end (ssh, waiting for the server, would never see the end); standard error:\n"
          + readQuietly("tcp.err"));
      reader.join(TimeUnit.SECONDS.toMillis(10));
      assertEquals(0, tcp.exitValue(), () -> readQuietly("tcp.err"));
      String received = stdout.toString(UTF_8);
      assertTrue(received.startsWith("SSH-2.0-OpenSSH"), () -> "standard output: " + received);
    } finally {
      stdin.close();
    }
  }

  @Test
  void gitCloneThroughTheTcpProxyCommandWithForwardProxyReachesPomeriumThroughARealSocks5Proxy() throws Exception {
    String pomeriumHost = "pomerium.proxied.test";
    gateway = environment.startGateway(token, DESTINATION, options -> options.hostNames(pomeriumHost));
    caFile = environment.caFile();
    // The name resolves at the proxy only (its own hosts file), as behind a corporate proxy.
    try (Socks5Proxy socks = Socks5Proxy.builder().hostsEntry(pomeriumHost, "127.0.0.1")
        .credentials("alice", "socks-password").start()) {
      forwardProxy = socks.url("socks5h", "alice", "socks-password");
      Path clone = work.resolve("clone");

      ChildProcesses.Result result = git(work, "clone", url(REPOSITORY), clone.toString());

      assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + server.log() + socks.log());
      assertEquals(server.revParse(REPOSITORY, "main"), git(clone, "rev-parse", "HEAD").stdout().strip());
      assertEquals(1, socks.awaitConnections(pomeriumHost + ":" + gateway.port(), 1, Duration.ofSeconds(10)),
          socks::log);
      assertEquals(1, gateway.requestCount());
      assertFalse(result.stderr().contains("socks-password"), result::describe);
    }
  }

  @Test
  void gitCloneWithARejectedTokenFailsWithTheTcpCommandsMessage() throws Exception {
    startGateway("another-token-" + UUID.randomUUID());
    Path clone = work.resolve("clone");

    ChildProcesses.Result result = git(work, "clone", url(REPOSITORY), clone.toString());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("jgit-pomerium:"), result::describe);
    assertTrue(result.stderr().contains("HTTP 401") || result.stderr().contains("requires sign-in"),
        result::describe);
    assertFalse(result.stderr().contains(token), "the token appeared on standard error");
    assertFalse(Files.exists(clone.resolve(".git")), "git left a clone behind");
    assertTrue(gateway.requestCount() >= 1, "the ProxyCommand never reached Pomerium");
  }

  @Test
  void underJenkinsTheTcpCommandFailsAtOnceInsteadOfWaitingForASignIn() throws Exception {
    startGateway(token);
    List<String> command = jgitPomerium("tcp", "--listen", "-", "--pomerium-url", gateway.url(),
        "--alternate-ca-path", caFile.toString(), DESTINATION);
    ProcessBuilder builder = processes.builder(work, Map.of("JENKINS_URL", "https://jenkins.example.com/"), command)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(work.resolve("tcp.out").toFile())
        .redirectError(work.resolve("tcp.err").toFile());
    // As on a Jenkins agent: only JENKINS_URL says this is CI.
    builder.environment().keySet()
        .removeAll(List.of("JGIT_POMERIUM_INTERACTIVE", "CI", "TEAMCITY_VERSION", "BUILD_BUILDID"));
    Process tcp = processes.start(builder);

    boolean ended = tcp.waitFor(30, TimeUnit.SECONDS);

    assertTrue(ended, () -> "with no token under Jenkins, tcp --listen - still waits for a sign-in after 30 s:\n"
        + readQuietly("tcp.err"));
    assertEquals(1, tcp.exitValue(), () -> readQuietly("tcp.err"));
    String stderr = readQuietly("tcp.err");
    assertTrue(stderr.contains("jgit-pomerium:") && stderr.contains("JENKINS_URL is set"), stderr);
    assertEquals("", readQuietly("tcp.out"));
  }

  private void startGateway(String requiredToken) throws IOException {
    gateway = environment.startGateway(requiredToken, DESTINATION);
    caFile = environment.caFile();
  }

  /** The pomerium-cli-compatible command line: {@code tcp --listen - --pomerium-url ... DESTINATION}. */
  private List<String> tcpCommand(String destination) {
    List<String> args = new ArrayList<>(List.of("tcp", "--listen", "-", "--pomerium-url", gateway.url(),
        "--alternate-ca-path", caFile.toString(), "--service-account-file", tokenFile.toString()));
    if (forwardProxy != null) {
      args.addAll(List.of("--forward-proxy", forwardProxy));
    }
    args.add(destination);
    return jgitPomerium(args.toArray(new String[0]));
  }

  /** ssh as git runs it: no ssh_config, our known_hosts and key only, and the tcp command as ProxyCommand. */
  private String gitSshCommand() {
    // ssh expands %-tokens in the whole ProxyCommand, then runs it with the shell: quote each word, double each %.
    String proxyCommand = shellCommand(tcpCommand("DESTINATION")).replace("%", "%%")
        .replace(ChildProcesses.shellQuote("DESTINATION"), "%h:%p");
    List<String> ssh = new ArrayList<>(List.of("ssh", "-F", "/dev/null",
        "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "IdentitiesOnly=yes",
        "-i", server.clientKey().toString(),
        "-o", "BatchMode=yes",
        "-o", "ProxyCommand=" + proxyCommand));
    return shellCommand(ssh);
  }

  private String url(String repository) {
    return OpenSshServer.USER + "@" + HOST + ":" + server.repoPath(repository);
  }

  private ChildProcesses.Result git(Path directory, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    return processes.run(directory, Map.of("GIT_SSH_COMMAND", gitSshCommand()), command);
  }

  private String checkGit(Path directory, String... args) throws Exception {
    ChildProcesses.Result result = git(directory, args);
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + server.log());
    return result.stdout();
  }

  private String readQuietly(String name) {
    try {
      return Files.readString(work.resolve(name), UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) != -1; ) {
        synchronized (out) {
          out.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // The process ended.
    }
  }
}
