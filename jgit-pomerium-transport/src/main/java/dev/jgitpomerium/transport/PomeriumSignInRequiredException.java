package dev.jgitpomerium.transport;

/**
 * Pomerium wants a sign-in (HTTP 401 or a redirect) and no accepted token could be had: there was none, the token
 * source gave none, or a fresh token was rejected too.
 */
public final class PomeriumSignInRequiredException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, Throwable)}. */
  public PomeriumSignInRequiredException(Route route, int statusCode, String message, Throwable cause) {
    super(route, statusCode, message, cause);
  }

  /** See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}. */
  public PomeriumSignInRequiredException(Route route, int statusCode, String message, String hint, Throwable cause) {
    super(route, statusCode, message, hint, cause);
  }
}
