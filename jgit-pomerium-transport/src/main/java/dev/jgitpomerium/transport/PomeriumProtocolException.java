package dev.jgitpomerium.transport;

/**
 * Pomerium's answer to {@code CONNECT} was not usable: an unexpected status, a malformed or oversized response head,
 * or no answer within the response timeout.
 */
public final class PomeriumProtocolException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, Throwable)}. */
  public PomeriumProtocolException(Route route, int statusCode, String message, Throwable cause) {
    super(route, statusCode, message, cause);
  }

  /** See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}. */
  public PomeriumProtocolException(Route route, int statusCode, String message, String hint, Throwable cause) {
    super(route, statusCode, message, hint, cause);
  }
}
