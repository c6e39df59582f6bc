package dev.jgitpomerium.transport.internal.routing;

import dev.jgitpomerium.transport.ProxyCommandException;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an ssh config {@code ProxyCommand} that is not Pomerium's, as OpenSSH does ({@code $SHELL -c "exec <line>"},
 * else {@code /bin/sh}; {@code cmd /c} on Windows; its %-tokens already expanded, in this process's environment), and
 * carries the SSH connection over its standard input and output. JGit itself honours no ProxyCommand, so
 * {@code cloudflared access ssh}, {@code ssh -W %h:%p bastion},
 * {@code nc} or {@code socat} lines start working for JGit too.
 *
 * <p>The command is started before JGit connects and must show signs of life (the SSH server's first bytes) within the
 * start timeout; one that exits first fails the connection with its exit status and last lines of standard error.
 * Its standard error goes to the log; the process (and its children) end when the connection ends.
 */
public final class ProxyCommands {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.PROXY_COMMAND);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int STDERR_LINES_KEPT = 5;

  private ProxyCommands() {}

  /**
   * Starts {@code command} (a ProxyCommand with its %-tokens expanded) for {@code target} ({@code host:port}) and
   * returns its stream once it speaks; {@code environment} gives {@code SHELL}.
   */
  public static Tunnel open(String command, String target, UnaryOperator<String> environment) throws IOException {
    String shell = environment.apply("SHELL");
    ProcessBuilder builder = new ProcessBuilder(isWindows() ? List.of("cmd", "/c", command)
        : List.of(shell == null || shell.isEmpty() ? "/bin/sh" : shell, "-c", "exec " + command));
    log.debug("starting ProxyCommand for {}: {}", target, command);
    Process process = builder.start();
    Deque<String> lastErrors = new ArrayDeque<>();
    Thread errors = new Thread(() -> logErrors(process.getErrorStream(), lastErrors, target),
        "jgit-pomerium-proxycommand-stderr");
    errors.setDaemon(true);
    errors.start();

    PushbackInputStream stdout = new PushbackInputStream(process.getInputStream(), 1);
    CompletableFuture<Integer> firstByte = CompletableFuture.supplyAsync(() -> {
      try {
        return stdout.read();
      } catch (IOException e) {
        return -1;
      }
    }, runnable -> {
      Thread reader = new Thread(runnable, "jgit-pomerium-proxycommand-start");
      reader.setDaemon(true);
      reader.start();
    });
    int first;
    try {
      first = firstByte.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      end(process);
      throw new ProxyCommandException("ProxyCommand for " + target + " sent nothing within "
          + START_TIMEOUT.toSeconds() + " s: " + command, List.of(), null);
    } catch (InterruptedException e) {
      end(process);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while starting the ProxyCommand for " + target);
    } catch (ExecutionException e) {
      end(process);
      throw new ProxyCommandException("ProxyCommand for " + target + " failed: " + e.getCause(), List.of(),
          e.getCause());
    }
    if (first == -1) {
      int status;
      try {
        status = process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : -1;
        errors.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        status = -1;
      }
      end(process);
      List<String> tail;
      synchronized (lastErrors) {
        tail = List.copyOf(lastErrors);
      }
      throw new ProxyCommandException("ProxyCommand for " + target + " " + (status >= 0 ? "exited with status "
          + status : "closed its output") + " before the SSH server spoke: " + command, tail, null);
    }
    stdout.unread(first);
    return Tunnel.command("ProxyCommand " + command, stdout, process.getOutputStream(), () -> end(process));
  }

  public static boolean isWindows() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  }

  /** Ends the command and whatever it started (ssh -W, a wrapper's children). */
  private static void end(Process process) {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static void logErrors(InputStream stderr, Deque<String> lastErrors, String target) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        String printable = HeadReader.printable(line);
        log.info("ProxyCommand for {}: {}", target, printable);
        synchronized (lastErrors) {
          lastErrors.addLast(printable);
          if (lastErrors.size() > STDERR_LINES_KEPT) {
            lastErrors.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // The process ended.
    }
  }
}
