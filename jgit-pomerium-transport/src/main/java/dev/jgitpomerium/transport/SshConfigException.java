package dev.jgitpomerium.transport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The ssh config file says something that cannot be followed, so the connection was not made: a line OpenSSH would
 * refuse too ({@code Bad port 'x'}, an unknown {@code Match} criterion, unbalanced quotes, {@code Include} nested too
 * deep, ...), or a {@code ProxyCommand} that cannot be used (a {@code pomerium-cli tcp} line without a destination,
 * with an invalid URL or a missing CA file). The message names the file and line, as OpenSSH's do
 * ({@code ~/.ssh/config line 7: Bad port 'x'.}).
 *
 * <p>A host whose configuration fails this way is never connected directly: that would send its traffic where the
 * user said it must not go.
 */
public class SshConfigException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  /** As {@link #line()} returns it. */
  private final int line;

  /**
   * @param file the file the problem is in, or null when it is not in one file
   * @param line the line the problem is on (1-based), or 0 when it is not on one line
   */
  public SshConfigException(Path file, int line, String message, Throwable cause) {
    super(message, cause);
    this.file = file;
    this.line = line;
  }

  /** The file the problem is in, or null when it is not in one file. */
  public Path file() {
    return file;
  }

  /** The line the problem is on, or 0 when it is not on one line. */
  public int line() {
    return line;
  }

  /** The first {@code SshConfigException} in {@code failure}'s cause chain. */
  public static Optional<SshConfigException> causeOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SshConfigException e) {
        return Optional.of(e);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }
}
