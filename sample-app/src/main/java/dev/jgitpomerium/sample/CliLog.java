package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumLoggers;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The command line's SLF4J binding: what the library, JGit and MINA sshd log reaches the user as ssh would show it.
 *
 * <p>Without {@code -v} no log line is printed: a failure is the one {@code jgit-pomerium:} line the command prints.
 * The only exceptions are the lines OpenSSH itself prints at its default LogLevel, printed as OpenSSH prints them,
 * without a level or logger name: a ProxyCommand's own standard error (OpenSSH passes it through unchanged), {@code
 * Warning: Permanently added '…' (ED25519) to the list of known hosts.}, the host-key warnings OpenSSH shows when
 * StrictHostKeyChecking is off, and its server-alive timeout; plus the warning that TLS verification of Pomerium is
 * off, which a user must never miss. With {@code -v} every other line is printed too, as slf4j-simple did for this
 * command: {@code LEVEL Logger - message}, warnings and up, this project's own loggers from info, with stack traces.
 *
 * <p>Everything goes to the standard error stream of the command line being run ({@link #startRun}), never to
 * standard output, which in {@code tcp --listen -} is the tunnel.
 */
public final class CliLog implements SLF4JServiceProvider {
  private static final String PROJECT = "dev.jgitpomerium.";
  private static final String PROXY_COMMANDS = PomeriumLoggers.PROXY_COMMAND;
  private static final String KNOWN_HOSTS = PomeriumLoggers.HOST_KEYS;
  private static final String SERVER_ALIVE = PomeriumLoggers.SERVER_ALIVE;
  private static final String TLS_SETUP = PomeriumLoggers.TLS;
  /** OpenSSH's line, and the library's addition of which file, which OpenSSH does not print. */
  private static final Pattern PERMANENTLY_ADDED =
      Pattern.compile("(Warning: Permanently added '.*' \\([^)]*\\) to the list of known hosts)(?: \\(.*\\))?\\.");
  private static final Pattern PROXY_COMMAND_LINE = Pattern.compile("ProxyCommand for \\S+: (.*)", Pattern.DOTALL);

  /** Where one command line's log lines go, and what it has passed through so far. */
  static final class Run {
    private final PrintStream err;
    private final boolean verbose;
    private final List<String> proxyCommandLines = new ArrayList<>();

    private Run(PrintStream err, boolean verbose) {
      this.err = err;
      this.verbose = verbose;
    }

    private PrintStream err() {
      return err == null ? System.err : err;
    }

    /** The ProxyCommand standard error lines this run has printed, in order. */
    synchronized List<String> proxyCommandLines() {
      return List.copyOf(proxyCommandLines);
    }

    private synchronized void passThrough(String line, boolean fromProxyCommand) {
      err().println(line);
      if (fromProxyCommand) {
        proxyCommandLines.add(line);
      }
    }

    private synchronized void print(Level level, String name, String message, Throwable failure) {
      PrintStream out = err();
      out.println(level + " " + name.substring(name.lastIndexOf('.') + 1) + " - " + message);
      if (failure != null) {
        failure.printStackTrace(out);
      }
    }
  }

  /** Before any command line runs (and in tests between them): the detail of {@code -v}, on System.err. */
  private static volatile Run current = new Run(null, true);

  /**
   * From now on, log lines go to {@code err}, with {@code -v}'s detail if {@code verbose}. Lines logged by threads
   * still running after the command line go there too, until the next run.
   */
  static Run startRun(PrintStream err, boolean verbose) {
    Run run = new Run(err, verbose);
    current = run;
    return run;
  }

  private static final class CliLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    CliLogger(String name) {
      this.name = name;
    }

    private boolean enabled(Level level) {
      if (current.verbose && level.toInt() >= (name.startsWith(PROJECT) ? Level.INFO : Level.WARN).toInt()) {
        return true;
      }
      return switch (name) {
        case PROXY_COMMANDS -> level.toInt() >= Level.INFO.toInt();
        case KNOWN_HOSTS, SERVER_ALIVE, TLS_SETUP -> level.toInt() >= Level.WARN.toInt();
        default -> false;
      };
    }

    @Override
    public boolean isTraceEnabled() {
      return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
        Throwable failure) {
      Run run = current;
      String message = MessageFormatter.basicArrayFormat(pattern, arguments);
      String openSsh = asOpenSshPrintsIt(level, message);
      if (openSsh != null) {
        run.passThrough(openSsh, name.equals(PROXY_COMMANDS));
      } else if (run.verbose && enabled(level)) {
        run.print(level, name, message, failure);
      }
    }

    /** The line as OpenSSH prints it at its default LogLevel, or null if OpenSSH would not print it. */
    private String asOpenSshPrintsIt(Level level, String message) {
      if (message == null) {
        return null;
      }
      switch (name) {
        case PROXY_COMMANDS -> {
          Matcher m = PROXY_COMMAND_LINE.matcher(message);
          return level == Level.INFO && m.matches() ? m.group(1) : null;
        }
        case KNOWN_HOSTS -> {
          if (level.toInt() < Level.WARN.toInt()) {
            return null;
          }
          Matcher m = PERMANENTLY_ADDED.matcher(message);
          if (m.matches()) {
            return m.group(1) + ".";
          }
          // The changed or revoked key's banner, shown when StrictHostKeyChecking=no lets the connection go on.
          return message.startsWith("@@@") || message.startsWith("Failed to add the host") ? message : null;
        }
        case SERVER_ALIVE -> {
          return message.startsWith("Timeout, server ") ? message : null;
        }
        case TLS_SETUP -> {
          return message.startsWith("TLS verification is disabled") ? "Warning: " + message : null;
        }
        default -> {
          return null;
        }
      }
    }
  }

  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
  private final ILoggerFactory loggerFactory = name -> loggers.computeIfAbsent(name, CliLogger::new);
  private final IMarkerFactory markerFactory = new BasicMarkerFactory();
  private final MDCAdapter mdcAdapter = new NOPMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggerFactory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markerFactory;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdcAdapter;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    // Nothing to read: the command line says, run by run, where lines go and how many.
  }
}
