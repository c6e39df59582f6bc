package dev.jgitpomerium.transport.internal.proxy;

import java.io.IOException;

/**
 * The way to Pomerium through a forward proxy failed at the proxy: it could not be reached, its TLS failed, it
 * refused or could not carry the tunnel, or its setting cannot be used. The message is {@link #what()}, then {@code
 * "; "} and {@link #hint()} when there is advice; it names the proxy by {@code host:port} and where it was
 * configured, never its credentials. The tunnel turns it into a {@code PomeriumProxyException}.
 */
public final class ProxyException extends IOException {
  private static final long serialVersionUID = 1L;

  /** {@link #proxyStatus()} when the proxy gave no HTTP status. */
  public static final int NO_STATUS = -1;

  private final String what;
  private final String hint;
  private final String proxy;
  private final int proxyStatus;

  ProxyException(String proxy, int proxyStatus, String what, String hint, Throwable cause) {
    super(hint == null ? what : what + "; " + hint, cause);
    this.proxy = proxy;
    this.proxyStatus = proxyStatus;
    this.what = what;
    this.hint = hint;
  }

  /**
   * The proxy failure in {@code failure}'s cause chain, or null: an HTTP client (the sign-in's OkHttp) hands the
   * socket factory's exception back as it is or wrapped, and the caller reports it as the tunnel does.
   */
  public static ProxyException in(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ProxyException proxy) {
        return proxy;
      }
      for (Throwable suppressed : t.getSuppressed()) {
        if (suppressed instanceof ProxyException proxy) {
          return proxy;
        }
      }
    }
    return null;
  }

  /** The proxy as {@code host:port} (never with credentials), or null when the setting itself failed. */
  public String proxy() {
    return proxy;
  }

  /** The HTTP status of the proxy's answer to {@code CONNECT}, or {@link #NO_STATUS}. */
  public int proxyStatus() {
    return proxyStatus;
  }

  public String what() {
    return what;
  }

  /** What to do, or null. */
  public String hint() {
    return hint;
  }
}
