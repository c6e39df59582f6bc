package dev.jgitpomerium.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link BenchServer} in a child JVM with this JVM's class path. Its standard output carries one
 * line per answer; its standard error (progress, warnings) goes to ours. The child ends when its
 * standard input closes: on {@link #close()}, at this JVM's exit (a shutdown hook), or when this
 * JVM is killed and the pipe breaks.
 */
final class ServerProcess implements AutoCloseable {
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);
  private static final String END_OF_OUTPUT = "\u0000end";

  private final Process process;
  private final OutputStream stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Thread shutdownHook;
  private Map<String, String> ready;

  private ServerProcess(Process process) {
    this.process = process;
    this.stdin = process.getOutputStream();
    this.shutdownHook = new Thread(this::stop, "bench-server-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    Thread reader = new Thread(this::readLines, "bench-server-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the server and waits, at most {@code readyTimeout} (repository generation included),
   * for its READY line.
   */
  static ServerProcess start(
      Path cache, ClientFiles client, RepositorySpec spec, Duration readyTimeout)
      throws IOException, InterruptedException {
    return start(cache, client, spec, readyTimeout, List.of());
  }

  /** As above, with {@code jvmOptions} for the server's JVM (a profiler's, for instance). */
  static ServerProcess start(
      Path cache,
      ClientFiles client,
      RepositorySpec spec,
      Duration readyTimeout,
      List<String> jvmOptions)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmOptions);
    // A client that ends its session abruptly (JGit's ls-remote does) makes sshd warn; not news.
    command.add("-Dorg.slf4j.simpleLogger.log.org.apache.sshd=error");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchServer.class.getName());
    command.addAll(
        List.of(
            "--cache", cache.toString(),
            "--client-dir", client.dir().toString(),
            "--commits", Integer.toString(spec.commits()),
            "--bytes-per-file", Integer.toString(spec.bytesPerFile()),
            "--seed", Long.toString(spec.seed())));
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    ServerProcess server = new ServerProcess(process);
    try {
      server.ready = Lines.fields(server.expect("READY", readyTimeout));
      return server;
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  int sshPort() {
    return Integer.parseInt(ready.get("sshPort"));
  }

  String gatewayUrl() {
    return ready.get("gatewayUrl");
  }

  String head() {
    return ready.get("head");
  }

  long packBytes() {
    return Long.parseLong(ready.get("packBytes"));
  }

  boolean generated() {
    return Boolean.parseBoolean(ready.get("generated"));
  }

  /** Switches TCP_NODELAY on the SSH server's connections accepted from now on. */
  void sshNoDelay(boolean on) throws IOException, InterruptedException {
    String answer = on ? "on" : "off";
    stdin.write(("NODELAY " + answer + "\n").getBytes(StandardCharsets.US_ASCII));
    stdin.flush();
    expect("NODELAY", ANSWER_TIMEOUT);
  }

  /** The gateway's and the SSH server's counters, now. */
  GatewayStats stats() throws IOException, InterruptedException {
    stdin.write("STATS\n".getBytes(StandardCharsets.US_ASCII));
    stdin.flush();
    Map<String, String> f = Lines.fields(expect("STATS", ANSWER_TIMEOUT));
    return new GatewayStats(
        Integer.parseInt(f.get("gatewayConnections")),
        Integer.parseInt(f.get("gatewayRequests")),
        Integer.parseInt(f.get("gatewayOpen")),
        Integer.parseInt(f.get("sshOpen")),
        Long.parseLong(f.get("cpuNanos")));
  }

  /**
   * The server's counters: TCP connections the gateway accepted (each one TLS handshake), CONNECT
   * requests, connections and SSH sessions open now, and the server JVM's CPU time.
   */
  record GatewayStats(
      int connections, int requests, int openConnections, int openSshSessions, long cpuNanos) {}

  private String expect(String keyword, Duration timeout)
      throws IOException, InterruptedException {
    String line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (line == null) {
      throw new IOException(
          "bench server: no " + keyword + " within " + timeout.toSeconds() + " s");
    }
    if (line.equals(END_OF_OUTPUT)) {
      process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      String status = process.isAlive() ? "still running" : "exit " + process.exitValue();
      throw new IOException("bench server ended before " + keyword + " (" + status + ")");
    }
    if (!line.startsWith(keyword + " ")) {
      throw new IOException("bench server: expected " + keyword + ", got: " + line);
    }
    return line;
  }

  private void readLines() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("[")) {
          // The JVM's own log on standard output (a profiler's start-up message): not an answer.
          System.err.println(line);
          continue;
        }
        lines.add(line);
      }
    } catch (IOException e) {
      // The process ended; END_OF_OUTPUT below says so.
    } finally {
      lines.add(END_OF_OUTPUT);
    }
  }

  /** Closes standard input (the server's signal to stop), then escalates if it does not exit. */
  private void stop() {
    try {
      stdin.close();
    } catch (IOException e) {
      // Already gone.
    }
    try {
      if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroy();
        if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and runs the hook itself.
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
