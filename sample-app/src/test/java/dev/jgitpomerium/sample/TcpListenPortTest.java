package dev.jgitpomerium.sample;

import static dev.jgitpomerium.sample.CliProcess.jgitPomerium;
import static dev.jgitpomerium.testkit.ChildProcesses.shellCommand;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.testkit.RecordedConnect;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcp --listen 127.0.0.1:0}, as pomerium-cli's {@code tcp} with a listen address: a local port whose every
 * connection is its own tunnel through Pomerium to a real sshd. Runs {@link Main} in its own JVM, from this test
 * run's class path.
 */
class TcpListenPortTest {
  private static final String HOST = "git.corp.example.com";
  private static final String DESTINATION = HOST + ":22";
  private static final String REPOSITORY = "project.git";
  private static final Pattern LISTENING = Pattern.compile("^Listening on 127\\.0\\.0\\.1:(\\d+); .*");
  private static final long LISTENING_TIMEOUT_SECONDS = 30;
  private static final int READ_TIMEOUT_MILLIS = 20_000;

  @TempDir Path work;

  private final String token = "openssh-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private OpenSshServer server;
  private ChildProcesses processes;
  private PomeriumGateway gateway;
  private Path tokenFile;
  private Path caFile;
  private Process tcp;
  private final StringBuffer tcpStderr = new StringBuffer();
  private final BlockingQueue<String> tcpStderrLines = new LinkedBlockingQueue<>();

  @BeforeEach
  void startServerAndPomerium() throws Exception {
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
    server = environment.server();
    processes = environment.processes();
    tokenFile = environment.tokenFile();
    gateway = environment.startGateway(token, DESTINATION);
    caFile = environment.caFile();
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (environment != null) {
      environment.close();
    }
  }

  @Test
  void eachConnectionToTheListeningPortIsItsOwnTunnelToTheSshServer() throws Exception {
    int port = startListening();

    try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port);
        Socket second = new Socket(InetAddress.getLoopbackAddress(), port)) {
      assertTrue(banner(first).startsWith("SSH-2.0-OpenSSH"), "the first connection got no banner from sshd");
      assertTrue(banner(second).startsWith("SSH-2.0-OpenSSH"), "the second connection got no banner from sshd");
    }

    List<RecordedConnect> requests = gateway.requests();
    assertEquals(2, requests.size(), requests::toString);
    for (RecordedConnect request : requests) {
      assertEquals(DESTINATION, request.target());
      // Not assertEquals: a failure message must not show the token.
      assertTrue(("Pomerium " + token).equals(request.authorization()),
          "CONNECT #" + request.sequenceNumber() + " did not carry 'Authorization: Pomerium <the token in the file>'");
    }
    assertEquals("", Files.readString(work.resolve("tcp.out"), UTF_8), "tcp --listen wrote to standard output");

    tcp.destroy();
    assertTrue(tcp.waitFor(60, TimeUnit.SECONDS), "tcp --listen did not end when told to");
    assertFalse(tcp.isAlive());
    assertFalse(ProcessHandle.of(tcp.pid()).map(ProcessHandle::isAlive).orElse(false), "tcp --listen is still there");
  }

  @Test
  void aConnectionToTheListeningPortEndsWhenTheServerClosesIt() throws Exception {
    int port = startListening();

    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      InputStream in = socket.getInputStream();
      // sshd answers an identification string that is not SSH with a message and closes the connection.
      socket.getOutputStream().write("this is not SSH\r\n".getBytes(US_ASCII));
      socket.getOutputStream().flush();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      try {
        in.transferTo(received);
      } catch (SocketTimeoutException e) {
        fail("the local connection stayed open " + READ_TIMEOUT_MILLIS + " ms after sshd closed its end; received: "
            + received.toString(US_ASCII) + "\n--- tcp stderr ---\n" + tcpStderr);
      }
      assertTrue(received.toString(US_ASCII).startsWith("SSH-2.0-OpenSSH"), received.toString(US_ASCII));
    }
  }

  @Test
  void gitClonesThroughTheListeningPortWithTheRealHostsKey() throws Exception {
    int port = startListening();
    Path knownHosts = work.resolve("known_hosts");
    Files.writeString(knownHosts, server.knownHostsLine(HOST) + "\n", UTF_8);
    // ssh connects to 127.0.0.1:<port>; HostKeyAlias checks the key under the real host's name.
    String ssh = shellCommand(List.of("ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile=" + knownHosts,
        "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "HostKeyAlias=" + HOST,
        "-o", "IdentitiesOnly=yes", "-i", server.clientKey().toString(), "-o", "BatchMode=yes"));
    Path clone = work.resolve("clone");
    String url = "ssh://" + OpenSshServer.USER + "@127.0.0.1:" + port + server.repoPath(REPOSITORY);

    ChildProcesses.Result result = processes.run(work, Map.of("GIT_SSH_COMMAND", ssh),
        List.of("git", "clone", url, clone.toString()));

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- tcp stderr ---\n" + tcpStderr
        + "\n--- sshd ---\n" + server.log());
    String head = processes.check(clone, List.of("git", "rev-parse", "HEAD")).strip();
    assertEquals(server.revParse(REPOSITORY, "main"), head);
    assertEquals(1, gateway.requestCount());
  }

  /** Starts {@code tcp --listen 127.0.0.1:0 ...} and returns the port it says it listens on. */
  private int startListening() throws Exception {
    List<String> command = jgitPomerium("tcp", "--listen", "127.0.0.1:0", "--pomerium-url", gateway.url(),
        "--alternate-ca-path", caFile.toString(), "--service-account-file", tokenFile.toString(), DESTINATION);
    tcp = processes.start(processes.builder(work, Map.of(), command)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(work.resolve("tcp.out").toFile()));
    Thread reader = new Thread(() -> readLines(tcp.getErrorStream()), "tcp-stderr");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LISTENING_TIMEOUT_SECONDS);
    while (System.nanoTime() - deadline < 0) {
      String line = tcpStderrLines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null) {
        Matcher m = LISTENING.matcher(line);
        if (m.matches()) {
          return Integer.parseInt(m.group(1));
        }
      } else if (!tcp.isAlive()) {
        fail("tcp --listen exited " + tcp.exitValue() + " before listening:\n" + tcpStderr);
      }
    }
    fail("tcp --listen did not say 'Listening on 127.0.0.1:<port>' within " + LISTENING_TIMEOUT_SECONDS + " s:\n"
        + tcpStderr);
    return -1;
  }

  private void readLines(InputStream stderr) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(stderr, UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        tcpStderr.append(line).append('\n');
        tcpStderrLines.add(line);
      }
    } catch (IOException e) {
      // The process ended.
    }
  }

  /** The first line the server sends, through the tunnel. */
  private static String banner(Socket socket) throws IOException {
    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII)).readLine();
    return line == null ? "" : line;
  }
}
