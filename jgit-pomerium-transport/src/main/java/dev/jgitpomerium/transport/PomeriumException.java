package dev.jgitpomerium.transport;

import java.io.IOException;
import java.util.Optional;

/**
 * A tunnel through Pomerium could not be opened. Subclasses say why; every message names the Pomerium endpoint, the
 * destination and, where there was one, the HTTP status, and never contains a token.
 *
 * <p>JGit reports connection failures as {@code TransportException}; find this exception in its cause chain with
 * {@link #causeOf(Throwable)}:
 *
 * <pre>{@code
 * } catch (TransportException e) {
 *   if (PomeriumException.causeOf(e).orElse(null) instanceof PomeriumAccessDeniedException) { ... }
 * }</pre>
 */
public class PomeriumException extends IOException {
  private static final long serialVersionUID = 1L;

  /** {@link #statusCode()} when the failure happened before Pomerium answered. */
  public static final int NO_STATUS = -1;

  private final transient Route route;
  private final int statusCode;

  public PomeriumException(Route route, int statusCode, String message, Throwable cause) {
    super(message, cause);
    this.route = route;
    this.statusCode = statusCode;
  }

  /** The route whose tunnel failed. */
  public Route route() {
    return route;
  }

  /** The HTTP status Pomerium answered with, or {@link #NO_STATUS}. */
  public int statusCode() {
    return statusCode;
  }

  /** The first {@code PomeriumException} in {@code failure}'s cause chain. */
  public static Optional<PomeriumException> causeOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof PomeriumException e) {
        return Optional.of(e);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }
}
