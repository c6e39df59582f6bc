package dev.jgitpomerium.transport;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The {@code ProxyCommand} that ssh config gives a host failed before the SSH server spoke through it: it exited,
 * closed its output, or sent nothing in time. The message names the host, the command (by its program and where it is
 * configured, {@code ProxyCommand 'proxytunnel ...' (~/.ssh/config line 3)}, never by its whole line, whose arguments
 * may hold a password) and what happened, then the last
 * lines the command wrote to its standard error ({@link #standardError()}, also logged as they came, under {@link
 * PomeriumLoggers#PROXY_COMMAND}, which is where OpenSSH shows them), joined by {@code " / "}.
 *
 * <p>JGit reports it as the cause of its {@code TransportException}; find it with {@link #causeOf(Throwable)}.
 */
public final class ProxyCommandException extends IOException {
  private static final long serialVersionUID = 1L;

  /** As {@link #what()} returns it. */
  private final String what;
  /** As {@link #standardError()} returns it. */
  private final List<String> standardError;

  /**
   * {@code what} failed; then {@code ": "} and the command's last {@code standardError} lines, joined by {@code " / "},
   * if it wrote any.
   */
  public ProxyCommandException(String what, List<String> standardError, Throwable cause) {
    super(standardError.isEmpty() ? what : what + ": " + String.join(" / ", standardError), cause);
    this.what = what;
    this.standardError = List.copyOf(standardError);
  }

  /**
   * What failed, naming the host and the command by its program and where it is configured: the message without the
   * command's standard error.
   */
  public String what() {
    return what;
  }

  /** The last lines the command wrote to its standard error, oldest first; empty if it wrote none. */
  public List<String> standardError() {
    return standardError;
  }

  /** The first {@code ProxyCommandException} in {@code failure}'s cause chain. */
  public static Optional<ProxyCommandException> causeOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ProxyCommandException e) {
        return Optional.of(e);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }
}
