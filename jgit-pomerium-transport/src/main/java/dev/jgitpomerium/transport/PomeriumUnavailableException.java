package dev.jgitpomerium.transport;

/**
 * Pomerium or the upstream behind the route is unavailable (HTTP 503); trying again later may work and the token is
 * kept.
 */
public final class PomeriumUnavailableException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, Throwable)}. */
  public PomeriumUnavailableException(Route route, int statusCode, String message, Throwable cause) {
    super(route, statusCode, message, cause);
  }

  /** See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}. */
  public PomeriumUnavailableException(Route route, int statusCode, String message, String hint, Throwable cause) {
    super(route, statusCode, message, hint, cause);
  }
}
