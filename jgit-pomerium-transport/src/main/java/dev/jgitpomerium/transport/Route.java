package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.Authorities;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * Says that SSH connections to one {@code host:port} go through one Pomerium endpoint.
 *
 * <p>The destination is the route's <em>route-match</em> authority: it is what the {@code CONNECT} request names and
 * what Pomerium's {@code from: tcp+https://host:port} must equal. Its port is the SSH port (22 by default), never
 * Pomerium's own port 443.
 *
 * <p>{@link #parse(String)} accepts pomerium-cli's forms:
 *
 * <ul>
 *   <li>{@code git.corp.example.com:22}: Pomerium at {@code https://git.corp.example.com:443};
 *   <li>{@code tcp+https://git.corp.example.com:22}: the same;
 *   <li>{@code tcp+https://pomerium.corp.example.com[:8443]/git.corp.example.com:22}: the "bastion" form, where
 *       Pomerium has its own host name.
 * </ul>
 */
public final class Route {
  private static final int DEFAULT_SSH_PORT = 22;
  private static final int DEFAULT_HTTPS_PORT = 443;

  private final String host;
  private final int port;
  private final PomeriumEndpoint endpoint;

  private Route(String host, int port, PomeriumEndpoint endpoint) {
    this.host = host;
    this.port = port;
    this.endpoint = endpoint;
  }

  /** Returns a route to {@code host:port} through {@code endpoint}. */
  public static Route of(String host, int port, PomeriumEndpoint endpoint) {
    Objects.requireNonNull(endpoint, "endpoint == null");
    return new Route(checkHost(host), checkPort(port, host), endpoint);
  }

  /**
   * Parses a route in one of pomerium-cli's forms (see the class comment).
   *
   * @throws IllegalArgumentException naming the spec if it cannot be parsed
   */
  public static Route parse(String spec) {
    return parse(spec, null);
  }

  /**
   * Parses a route like {@link #parse(String)}, then replaces its Pomerium endpoint with {@code pomeriumUrl} when
   * that is non-null, as pomerium-cli's {@code --pomerium-url} does.
   */
  public static Route parse(String spec, String pomeriumUrl) {
    Objects.requireNonNull(spec, "route == null");
    String s = spec.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("invalid route '': expected host:port or tcp+https://[pomerium/]host:port");
    }
    PomeriumEndpoint override = pomeriumUrl == null ? null : PomeriumEndpoint.parse(pomeriumUrl);
    if (!s.contains("://")) {
      return fromAuthority(spec, s, override);
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid route '" + spec + "': " + e.getReason(), e);
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.startsWith("tcp+")) {
      scheme = scheme.substring("tcp+".length());
    }
    if (scheme.equals("http")) {
      throw new IllegalArgumentException("invalid route '" + spec
          + "': plain http would send the token unencrypted; use tcp+https://");
    }
    if (!scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("invalid route '" + spec
          + "': expected host:port, tcp+https://host:port or tcp+https://pomerium-host[:port]/host:port");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty()) {
      // tcp+https://host:port: the route's own host name is Pomerium's, on 443.
      if (uri.getPort() == -1) {
        throw missingPort(spec);
      }
      return fromAuthority(spec, uri.getHost() + ":" + uri.getPort(), override);
    }
    PomeriumEndpoint bastion = PomeriumEndpoint.of(uri.getHost(),
        uri.getPort() == -1 ? DEFAULT_HTTPS_PORT : uri.getPort());
    return fromAuthority(spec, path, override == null ? bastion : override);
  }

  private static Route fromAuthority(String spec, String authority, PomeriumEndpoint override) {
    int colon = authority.lastIndexOf(':');
    if (colon <= 0 || authority.endsWith("]")) {
      throw missingPort(spec);
    }
    String host = authority.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(authority.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid route '" + spec + "': port is not a number", e);
    }
    String h = checkHost(host);
    int p = checkPort(port, spec);
    PomeriumEndpoint endpoint = override != null ? override : PomeriumEndpoint.of(h, DEFAULT_HTTPS_PORT);
    return new Route(h, p, endpoint);
  }

  private static IllegalArgumentException missingPort(String spec) {
    return new IllegalArgumentException("invalid route '" + spec
        + "': the destination needs a port, the one in Pomerium's 'from: tcp+https://host:port' (usually "
        + DEFAULT_SSH_PORT + " for SSH)");
  }

  private static String checkHost(String host) {
    Objects.requireNonNull(host, "host == null");
    String h = host.trim();
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.isEmpty() || h.contains("/") || h.contains("@") || h.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("invalid destination host '" + host + "'");
    }
    return h.toLowerCase(Locale.ROOT);
  }

  private static int checkPort(int port, String context) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid route '" + context + "': port out of range: " + port);
    }
    return port;
  }

  /** Whether this route carries SSH connections to {@code host:port}; host names compare case-insensitively. */
  public boolean matches(String host, int port) {
    return this.port == port && host != null && normalizeHost(this.host).equals(normalizeHost(host));
  }

  /**
   * A host name in lower case, or an IPv6 literal (with or without brackets) in one spelling: JGit connects to
   * {@code ::1} as {@code 0:0:0:0:0:0:0:1}.
   */
  static String normalizeHost(String host) {
    return dev.jgitpomerium.transport.internal.Ipv6Literals.normalizeHost(host);
  }

  /** The SSH host name, lower case. */
  public String host() {
    return host;
  }

  /** The SSH port named in the {@code CONNECT} request. */
  public int port() {
    return port;
  }

  /** {@code host:port}, exactly as it goes into the {@code CONNECT} request line and {@code Host} header. */
  public String destination() {
    return Authorities.of(host, port);
  }

  /** The Pomerium proxy the tunnel is opened through. */
  public PomeriumEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Route other && host.equals(other.host) && port == other.port
        && endpoint.equals(other.endpoint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, port, endpoint);
  }

  @Override
  public String toString() {
    return destination() + " via " + endpoint;
  }
}
