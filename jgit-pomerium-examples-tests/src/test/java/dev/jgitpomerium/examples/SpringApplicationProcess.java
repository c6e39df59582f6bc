package dev.jgitpomerium.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spring Boot application run as its own process ({@code java -jar}), its output collected line by line, and the port
 * it reports once Tomcat is up.
 */
final class SpringApplicationProcess {
  private static final Pattern STARTED = Pattern.compile("Tomcat started on port\\D*(\\d+)");

  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread reader;

  private SpringApplicationProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::read, "spring-application-output");
    reader.setDaemon(true);
    reader.start();
    process.onExit().thenRun(() -> port.completeExceptionally(
        new AssertionError("the application exited (" + process.exitValue() + ") before it started")));
  }

  static SpringApplicationProcess start(ProcessBuilder builder) throws IOException {
    Process process = builder.start();
    process.getOutputStream().close();
    return new SpringApplicationProcess(process);
  }

  private void read() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        output.append(line).append('\n');
        Matcher started = STARTED.matcher(line);
        if (started.find()) {
          port.complete(Integer.parseInt(started.group(1)));
        }
      }
    } catch (IOException e) {
      port.completeExceptionally(e);
    }
  }

  int awaitPort(Duration timeout) throws Exception {
    try {
      return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the application did not start within " + timeout + ":\n" + output(), e);
    }
  }

  /** Stops it as a service manager does (SIGTERM), and waits for it and for the last of its output. */
  void stop(Duration timeout) throws InterruptedException {
    process.destroy();
    boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      process.destroyForcibly().waitFor();
    }
    reader.join(timeout.toMillis());
    assertTrue(ended, "the application did not stop within " + timeout + " of SIGTERM:\n" + output());
  }

  String output() {
    return output.toString();
  }
}
