package dev.jgitpomerium.testkit.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * What the testkit's fixtures around real daemons (sshd, squid, microsocks) share: a free loopback port, a wait until a
 * port accepts connections (a connect probe, never a sleep or a file), a stop that takes the daemon's helpers along,
 * and the removal of the daemon's directory.
 */
public final class Daemons {
  private Daemons() {}

  /** The start of a fixture that is already made and must be closed if it fails. */
  @FunctionalInterface
  public interface Start<T> {
    void run(T fixture) throws IOException, InterruptedException;
  }

  /** Runs {@code start} on {@code fixture}; if that fails, closes the fixture (and what it started) and rethrows. */
  public static <T extends AutoCloseable> T startedOrClosed(T fixture, Start<T> start)
      throws IOException, InterruptedException {
    try {
      start.run(fixture);
      return fixture;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      try {
        fixture.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** A port on 127.0.0.1 that was free a moment ago (the caller retries if another process takes it meanwhile). */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * Waits until every one of {@code ports} on 127.0.0.1 accepts a TCP connection while {@code process} runs.
   *
   * @return false if the process ended first or {@code timeout} passed
   */
  public static boolean awaitAccepting(Process process, List<Integer> ports, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int next = 0;
    while (next < ports.size() && System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        return false;
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get(next)), 1_000);
        next++;
        continue;
      } catch (IOException e) {
        // Not listening yet.
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return next == ports.size() && process.isAlive();
  }

  /** Asks {@code process} to stop (SIGTERM), kills it after 10 s, and kills whatever it started. */
  public static void stop(Process process) throws InterruptedException {
    if (process == null) {
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  /** Kills {@code process} (SIGKILL) and whatever it started, and waits for it: for daemons with nothing to save. */
  public static void kill(Process process) throws InterruptedException {
    if (process == null) {
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    children.forEach(ProcessHandle::destroyForcibly);
  }

  /** The text of {@code file}, or "" if it does not exist (yet). */
  public static String read(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.readString(file, UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code directory} and everything in it. */
  public static void deleteTree(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** The first executable {@code program} on the PATH (or /usr/sbin, /usr/bin), or null. */
  public static Path onPath(String program) {
    String path = System.getenv("PATH");
    for (String entry : ((path == null ? "" : path) + ":/usr/sbin:/usr/bin").split(":")) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) {
        return Path.of(entry, program);
      }
    }
    return null;
  }
}
