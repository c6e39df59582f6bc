package dev.jgitpomerium.transport;

/**
 * Pomerium could not be reached because of the forward proxy on the way to it (see the README's "Corporate
 * networks"): the proxy was unreachable, its TLS failed, it refused {@code CONNECT} (for example HTTP 407, proxy
 * authentication required), it could not reach Pomerium itself (HTTP 502, 503, 504, or a SOCKS5 failure reply), it
 * did not answer in time, or the proxy setting cannot be used. The message names the proxy as {@code host:port} and
 * the setting that chose it, never the proxy's credentials. {@link #statusCode()} is {@link #NO_STATUS} (Pomerium
 * was never asked); the proxy's own HTTP status is {@link #proxyStatusCode()}.
 */
public final class PomeriumProxyException extends PomeriumException {
  private static final long serialVersionUID = 1L;

  private final String proxy;
  private final int proxyStatusCode;

  /**
   * A proxy failure whose {@code message} ends with {@code hint} (or gives none when it is null); see {@link
   * PomeriumException#PomeriumException(Route, int, String, String, Throwable)}.
   *
   * @param proxy the proxy as {@code host:port}, without credentials; null when the proxy setting itself failed
   * @param proxyStatusCode the proxy's HTTP status for {@code CONNECT}, or {@link #NO_STATUS}
   */
  public PomeriumProxyException(Route route, String proxy, int proxyStatusCode, String message, String hint,
      Throwable cause) {
    super(route, NO_STATUS, message, hint, cause);
    this.proxy = proxy;
    this.proxyStatusCode = proxyStatusCode;
  }

  /** The proxy as {@code host:port} (never with credentials), or null when the proxy setting could not be used. */
  public String proxy() {
    return proxy;
  }

  /** The HTTP status the proxy answered {@code CONNECT} with (407, 403, 502...), or {@link #NO_STATUS}. */
  public int proxyStatusCode() {
    return proxyStatusCode;
  }
}
