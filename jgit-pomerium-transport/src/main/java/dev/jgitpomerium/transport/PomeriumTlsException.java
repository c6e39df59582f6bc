package dev.jgitpomerium.transport;

/** The TLS handshake with Pomerium failed: usually an untrusted CA, a host-name mismatch, or an expired certificate. */
public final class PomeriumTlsException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, Throwable)}. */
  public PomeriumTlsException(Route route, int statusCode, String message, Throwable cause) {
    super(route, statusCode, message, cause);
  }

  /** See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}. */
  public PomeriumTlsException(Route route, int statusCode, String message, String hint, Throwable cause) {
    super(route, statusCode, message, hint, cause);
  }
}
