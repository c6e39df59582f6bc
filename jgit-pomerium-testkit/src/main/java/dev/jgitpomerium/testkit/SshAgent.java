package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code ssh-agent}, started in the foreground on a socket the test names ({@code ssh-agent -D -a sock}), with
 * keys added by the real {@code ssh-add}. Stopped at {@link #close()} (or with the {@link ChildProcesses} that
 * started it).
 */
public final class SshAgent implements AutoCloseable {
  private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final ChildProcesses processes;
  private final Path socket;
  private final Process agent;

  private SshAgent(ChildProcesses processes, Path socket, Process agent) {
    this.processes = processes;
    this.socket = socket;
    this.agent = agent;
  }

  /** Starts ssh-agent listening on {@code socket} (a path short enough for a Unix socket) and waits for it. */
  public static SshAgent start(ChildProcesses processes, Path socket) throws IOException, InterruptedException {
    if (processes.run(null, List.of("sh", "-c", "command -v ssh-agent && command -v ssh-add")).exitCode() != 0) {
      throw new IllegalStateException("The ssh-agent tests need ssh-agent and ssh-add on the PATH: install "
          + "openssh-client (./test.sh does).");
    }
    Process agent = processes.start(processes.builder(null, Map.of(),
            List.of("ssh-agent", "-D", "-a", socket.toString()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD));
    long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
    // ssh-agent binds the socket file before it listens: wait until a connection is accepted, not for the file.
    while (!accepts(socket)) {
      if (!agent.isAlive() || System.nanoTime() - deadline > 0) {
        ChildProcesses.kill(agent);
        throw new IllegalStateException("ssh-agent -D -a " + socket + " did not listen on its socket within 10 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return new SshAgent(processes, socket, agent);
  }

  private static boolean accepts(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  /** The agent's socket, for {@code SSH_AUTH_SOCK} or {@code IdentityAgent}. */
  public Path socket() {
    return socket;
  }

  /** {@code ssh-add key} for a key without passphrase. */
  public void add(Path key) throws IOException, InterruptedException {
    check(List.of("ssh-add", "-q", key.toString()), Map.of());
  }

  /**
   * {@code ssh-add key} for a passphrase-protected key, the passphrase given as a person would, through ssh-add's
   * askpass (SSH_ASKPASS_REQUIRE=force; the passphrase travels in the askpass program's environment, not in a file).
   */
  public void add(Path key, String passphrase) throws IOException, InterruptedException {
    Path askpass = Files.createTempFile("askpass-", ".sh");
    try {
      Files.writeString(askpass, "#!/bin/sh\nprintf '%s\\n' \"$TEST_ASKPASS_ANSWER\"\n", UTF_8);
      Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
      check(List.of("ssh-add", "-q", key.toString()), Map.of("SSH_ASKPASS", askpass.toString(),
          "SSH_ASKPASS_REQUIRE", "force", "DISPLAY", ":0", "TEST_ASKPASS_ANSWER", passphrase));
    } finally {
      Files.deleteIfExists(askpass);
    }
  }

  /** {@code ssh-add -l}: the agent's keys, one fingerprint line each. */
  public String list() throws IOException, InterruptedException {
    return processes.run(null, Map.of("SSH_AUTH_SOCK", socket.toString()), List.of("ssh-add", "-l")).stdout();
  }

  private void check(List<String> command, Map<String, String> environment) throws IOException, InterruptedException {
    Map<String, String> env = new java.util.HashMap<>(environment);
    env.put("SSH_AUTH_SOCK", socket.toString());
    ChildProcesses.Result result = processes.run(null, env, command);
    if (result.exitCode() != 0) {
      throw new AssertionError(result.describe());
    }
  }

  /** Stops the agent; its socket goes with it. */
  @Override
  public void close() throws IOException, InterruptedException {
    ChildProcesses.kill(agent);
    Files.deleteIfExists(socket);
  }
}
