package dev.jgitpomerium.transport;

import java.io.IOException;
import java.util.Optional;

/**
 * A tunnel through Pomerium could not be opened. Subclasses say why; every message names the Pomerium endpoint, the
 * destination and, where there was one, the HTTP status, and never contains a token. A message that says what to do
 * ends with it: {@link #what()} and {@link #hint()} are its two parts, for a program that shows its own advice.
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
  /** As {@link #statusCode()} returns it. */
  private final int statusCode;
  /** As {@link #hint()} returns it (null for none). */
  private final String hint;

  /** A failure whose message gives no advice: {@link #hint()} is empty. */
  public PomeriumException(Route route, int statusCode, String message, Throwable cause) {
    this(route, statusCode, message, null, cause);
  }

  /**
   * A failure whose {@code message} ends with {@code hint}, what to do about it.
   *
   * @param hint the end of {@code message} that says what to do, or null if it says nothing of the kind
   * @throws IllegalArgumentException if {@code message} does not end with {@code hint}, or is only the hint
   */
  public PomeriumException(Route route, int statusCode, String message, String hint, Throwable cause) {
    super(message, cause);
    if (hint != null && (message == null || !message.endsWith(hint) || message.length() == hint.length())) {
      throw new IllegalArgumentException("the message does not end with its hint '" + hint + "'");
    }
    this.route = route;
    this.statusCode = statusCode;
    this.hint = hint;
  }

  /** The route whose tunnel failed. */
  public Route route() {
    return route;
  }

  /** The HTTP status Pomerium answered with, or {@link #NO_STATUS}. */
  public int statusCode() {
    return statusCode;
  }

  /**
   * What failed, naming the endpoint, the destination and any status: the message without its {@link #hint()} (and
   * the {@code ": "} or {@code "; "} before it); the whole message when it has no hint.
   */
  public String what() {
    String message = getMessage();
    if (hint == null) {
      return message;
    }
    String what = message.substring(0, message.length() - hint.length()).stripTrailing();
    return what.endsWith(";") || what.endsWith(":") ? what.substring(0, what.length() - 1) : what;
  }

  /**
   * What to do about the failure, as the end of the message says it (for an HTTP 403: {@code ask the route's
   * administrator for access (signing in again will not help)}), or empty when the message gives no advice.
   */
  public Optional<String> hint() {
    return Optional.ofNullable(hint);
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
