package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.Authorities;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * A Pomerium proxy that terminates TLS and accepts {@code CONNECT} requests: the <em>transport</em> address, as
 * opposed to the route's destination.
 *
 * <p>Only {@code https} endpoints are supported. pomerium-cli also accepts plain {@code http}, but then the token
 * would cross the network in clear text; this library refuses that.
 */
public final class PomeriumEndpoint {
  private static final int DEFAULT_HTTPS_PORT = 443;

  private final String host;
  private final int port;

  private PomeriumEndpoint(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /**
   * Returns the endpoint for {@code host:port}.
   *
   * @throws IllegalArgumentException if the host is empty or the port is out of range
   */
  public static PomeriumEndpoint of(String host, int port) {
    Objects.requireNonNull(host, "host == null");
    String h = stripBrackets(host.trim()).toLowerCase(Locale.ROOT);
    if (h.isEmpty()) {
      throw new IllegalArgumentException("Pomerium host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("Pomerium port out of range: " + port);
    }
    return new PomeriumEndpoint(h, port);
  }

  /**
   * Parses a Pomerium URL as pomerium-cli's {@code --pomerium-url} does: {@code https://host[:port][/...]}; the port
   * defaults to 443 and any path is ignored.
   *
   * @throws IllegalArgumentException naming the URL if it is not an {@code https} URL with a host
   */
  public static PomeriumEndpoint parse(String url) {
    Objects.requireNonNull(url, "url == null");
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid Pomerium URL '" + url + "': " + e.getReason(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http")) {
      throw new IllegalArgumentException("invalid Pomerium URL '" + url
          + "': plain http would send the token unencrypted; use https");
    }
    if (!scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("invalid Pomerium URL '" + url + "': expected https://host[:port]");
    }
    return of(uri.getHost(), uri.getPort() == -1 ? DEFAULT_HTTPS_PORT : uri.getPort());
  }

  /** The host name used for TCP, TLS SNI and certificate verification. */
  public String host() {
    return host;
  }

  /** The TCP port, 1 to 65535 ({@link #parse} makes it 443 when the URL has none). */
  public int port() {
    return port;
  }

  /** {@code host:port}, with IPv6 literals in brackets. */
  public String authority() {
    return Authorities.of(host, port);
  }

  /** The base URL, without the port when it is the default 443 (the form Pomerium signs its login URLs with). */
  public String url() {
    String h = Authorities.bracketed(host);
    return port == DEFAULT_HTTPS_PORT ? "https://" + h : "https://" + h + ":" + port;
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PomeriumEndpoint other && host.equals(other.host) && port == other.port;
  }

  @Override
  public int hashCode() {
    return host.hashCode() * 31 + port;
  }

  @Override
  public String toString() {
    return authority();
  }
}
