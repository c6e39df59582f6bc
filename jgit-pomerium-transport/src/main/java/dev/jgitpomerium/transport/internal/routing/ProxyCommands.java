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
 *
 * <p>Messages and logs name the command by its program and where it is configured ({@link #named}), never by its
 * whole line: its arguments often hold a proxy password or a token, and OpenSSH too shows only the command's own
 * standard error.
 */
public final class ProxyCommands {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.PROXY_COMMAND);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int STDERR_LINES_KEPT = 5;

  private ProxyCommands() {}

  /**
   * Starts {@code command} (a ProxyCommand with its %-tokens expanded, configured at {@code source}, e.g. {@code
   * ~/.ssh/config line 3}, or null) for {@code target} ({@code host:port}) and returns its stream once it speaks;
   * {@code environment} gives {@code SHELL}.
   */
  public static Tunnel open(String command, String source, String target, UnaryOperator<String> environment)
      throws IOException {
    String shell = environment.apply("SHELL");
    ProcessBuilder builder = new ProcessBuilder(isWindows() ? List.of("cmd", "/c", command)
        : List.of(shell == null || shell.isEmpty() ? "/bin/sh" : shell, "-c", "exec " + command));
    String named = named(command, source);
    log.debug("starting {} for {}", named, target);
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
      throw new ProxyCommandException(named + " for " + target + " sent nothing within "
          + START_TIMEOUT.toSeconds() + " s", List.of(), null);
    } catch (InterruptedException e) {
      end(process);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while starting the ProxyCommand for " + target);
    } catch (ExecutionException e) {
      end(process);
      throw new ProxyCommandException(named + " for " + target + " failed: " + e.getCause(), List.of(),
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
      throw new ProxyCommandException(named + " for " + target + " " + (status >= 0 ? "exited with status "
          + status : "closed its output") + " before the SSH server spoke", tail, null);
    }
    stdout.unread(first);
    return Tunnel.command(named, stdout, process.getOutputStream(), () -> end(process));
  }

  /**
   * {@code ProxyCommand 'proxytunnel ...' (~/.ssh/config line 3)}: the command named by its program alone (the last
   * part of its first word, quotes removed), then where it is configured when {@code source} is not null; what
   * messages and logs show of a ProxyCommand, since the rest of its line may hold a secret.
   */
  public static String named(String line, String source) {
    String program = program(line);
    boolean more = !line.strip().equals(program);
    return "ProxyCommand '" + program + (more ? " ..." : "") + "'" + (source == null ? "" : " (" + source + ")");
  }

  /** The program a ProxyCommand line runs: its first word without quotes and without its directory. */
  public static String program(String line) {
    String rest = line.strip();
    StringBuilder word = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (Character.isWhitespace(c)) {
        break;
      } else {
        word.append(c);
      }
    }
    String program = word.toString();
    int slash = Math.max(program.lastIndexOf('/'), isWindows() ? program.lastIndexOf('\\') : -1);
    return slash >= 0 && slash < program.length() - 1 ? program.substring(slash + 1) : program;
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
