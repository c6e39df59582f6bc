package dev.jgitpomerium.transport;

/**
 * The TLS handshake with Pomerium failed: usually an untrusted CA, a host-name mismatch, or an expired certificate;
 * or Pomerium refused this side's client certificate, or got none ({@link #clientCertificateRefused()}).
 */
public final class PomeriumTlsException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, Throwable)}. */
  public PomeriumTlsException(Route route, int statusCode, String message, Throwable cause) {
    super(route, statusCode, message, cause);
    this.clientCertificateRefused = false;
  }

  /** Whether Pomerium asked for a client certificate and got none, or refused the one given. */
  private final boolean clientCertificateRefused;

  /** See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}. */
  public PomeriumTlsException(Route route, int statusCode, String message, String hint, Throwable cause) {
    this(route, statusCode, message, hint, false, cause);
  }

  /**
   * See {@link PomeriumException#PomeriumException(Route, int, String, String, Throwable)}.
   *
   * @param clientCertificateRefused whether Pomerium asked for a client certificate and got none, or refused the one
   *     given (then the fault is this side's certificate, not Pomerium's)
   */
  public PomeriumTlsException(Route route, int statusCode, String message, String hint,
      boolean clientCertificateRefused, Throwable cause) {
    super(route, statusCode, message, hint, cause);
    this.clientCertificateRefused = clientCertificateRefused;
  }

  /**
   * Whether Pomerium asked for a client certificate (mTLS) and the connection then failed: none was configured, the
   * one configured did not fit the issuers Pomerium named, or Pomerium refused it (expired, or an issuer it does not
   * trust). Known from the TLS handshake itself (Pomerium's CertificateRequest), not from the text of an alert.
   */
  public boolean clientCertificateRefused() {
    return clientCertificateRefused;
  }
}
