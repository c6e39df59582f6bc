package dev.jgitpomerium.sample;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jgitpomerium.testkit.ChildProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command run on a pseudo-terminal of its own ({@code script -qfec CMD /dev/null}, util-linux), whose output the
 * test reads and whose terminal input the test types, as a person at a terminal would.
 */
final class PseudoTerminal implements AutoCloseable {
  private static final long TIMEOUT_MILLIS = 60_000;

  private final Process process;
  private final OutputStream keyboard;
  private final StringBuilder screen = new StringBuilder();
  private final Thread reader;
  private int read;

  private PseudoTerminal(Process process) {
    this.process = process;
    this.keyboard = process.getOutputStream();
    reader = new Thread(this::readScreen, "pty-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} on a new pseudo-terminal; fails saying what to install if script is missing. */
  static PseudoTerminal start(ChildProcesses processes, Path directory, Map<String, String> environment,
      List<String> command) throws IOException {
    if (!new java.io.File("/usr/bin/script").canExecute()) {
      throw new IllegalStateException("The terminal tests need /usr/bin/script: install util-linux (bsdutils)");
    }
    ProcessBuilder builder = processes.builder(directory, environment,
        List.of("script", "-qfec", ChildProcesses.shellCommand(command), "/dev/null"));
    builder.redirectErrorStream(true);
    return new PseudoTerminal(processes.start(builder));
  }

  private void readScreen() {
    try (InputStream in = process.getInputStream()) {
      byte[] buffer = new byte[4096];
      int n;
      while ((n = in.read(buffer)) != -1) {
        synchronized (this) {
          screen.append(new String(buffer, 0, n, UTF_8));
          notifyAll();
        }
      }
    } catch (IOException e) {
      // The process ended.
    } finally {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /** Waits, at most 60 s, until {@code text} appears on the screen after what was already awaited. */
  synchronized void await(String text) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
    int at;
    while ((at = screen.indexOf(text, read)) < 0) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0 || (!process.isAlive() && screen.indexOf(text, read) < 0 && drained())) {
        throw new AssertionError("never appeared on the terminal: \"" + text + "\"\n--- screen ---\n" + screen);
      }
      wait(Math.min(left, 200));
    }
    read = at + text.length();
  }

  private boolean drained() {
    try {
      return process.getInputStream().available() == 0;
    } catch (IOException e) {
      return true;
    }
  }

  /** Types {@code line} and Enter. */
  void type(String line) throws IOException {
    keyboard.write((line + "\n").getBytes(UTF_8));
    keyboard.flush();
  }

  /** Waits for the command to end; its exit status. */
  int exitCode() throws InterruptedException {
    if (!process.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
      throw new AssertionError("did not end\n--- screen ---\n" + screen());
    }
    reader.join(TIMEOUT_MILLIS);
    return process.exitValue();
  }

  synchronized String screen() {
    return screen.toString();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      ChildProcesses.kill(process);
    }
  }
}
