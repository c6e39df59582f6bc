package dev.jgitpomerium.transport.internal;

/**
 * {@code host:port} as a URL, a {@code CONNECT} request and OpenSSH write it: an IPv6 literal in brackets. The one
 * place that formats it, for routes, endpoints and the connections they describe.
 */
public final class Authorities {
  private Authorities() {}

  /** {@code host} in brackets if it is an IPv6 literal (has a colon), else unchanged. */
  public static String bracketed(String host) {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  /** {@code host:port}, an IPv6 literal in brackets: {@code [2001:db8::1]:22}. */
  public static String of(String host, int port) {
    return bracketed(host) + ":" + port;
  }

  /**
   * {@code host:port} as OpenSSH writes a destination in its messages: an IPv6 literal in brackets and in its
   * shortest form ({@code [::1]:22}).
   */
  public static String asOpenSshWritesIt(String host, int port) {
    return of(Ipv6Literals.shortForm(host), port);
  }
}
