package dev.jgitpomerium.transport;

/**
 * Pomerium knows who the user is but the route's policy does not allow them (HTTP 403). Signing in again does not
 * help; the token is kept.
 */
public final class PomeriumAccessDeniedException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, Throwable)}. */
  public PomeriumAccessDeniedException(Route route, int statusCode, String message, Throwable cause) {
    super(route, statusCode, message, cause);
  }

  /** See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}. */
  public PomeriumAccessDeniedException(Route route, int statusCode, String message, String hint, Throwable cause) {
    super(route, statusCode, message, hint, cause);
  }
}
