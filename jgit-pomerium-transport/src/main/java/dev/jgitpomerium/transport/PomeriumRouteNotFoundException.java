package dev.jgitpomerium.transport;

/**
 * Pomerium has no TCP route for the destination (HTTP 404 {@code route_not_found}); usually the port in the route
 * does not match the SSH port.
 */
public final class PomeriumRouteNotFoundException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, Throwable)}. */
  public PomeriumRouteNotFoundException(Route route, int statusCode, String message, Throwable cause) {
    super(route, statusCode, message, cause);
  }

  /** See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}. */
  public PomeriumRouteNotFoundException(Route route, int statusCode, String message, String hint, Throwable cause) {
    super(route, statusCode, message, hint, cause);
  }
}
