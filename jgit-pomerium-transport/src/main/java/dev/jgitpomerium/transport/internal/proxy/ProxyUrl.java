package dev.jgitpomerium.transport.internal.proxy;

import dev.jgitpomerium.transport.internal.Authorities;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * A forward proxy as a URL: {@code http://}, {@code https://}, {@code socks5://} or {@code socks5h://}, with optional
 * {@code user:password@} (percent-encoded, as curl and Go read it). A value without a scheme is an HTTP proxy, as
 * curl and Go take {@code HTTPS_PROXY=proxy:3128}. The default ports are Go's: 80, 443 and 1080.
 *
 * <p>Credentials are held for the dialers only: {@link #toString()} shows {@code http://***@proxy:3128}, and every
 * message about a URL that could not be parsed shows it with its user info replaced by {@code ***}.
 */
public final class ProxyUrl {
  /** The proxy protocols, by URL scheme. */
  public enum Scheme {
    /** HTTP {@code CONNECT} over plain TCP. */
    HTTP("http", 80),
    /** HTTP {@code CONNECT} inside TLS to the proxy, verified against the proxy's own name. */
    HTTPS("https", 443),
    /** SOCKS5, this side resolving Pomerium's name. */
    SOCKS5("socks5", 1080),
    /** SOCKS5, the proxy resolving Pomerium's name (sent as a name, address type 3). */
    SOCKS5H("socks5h", 1080);

    final String name;
    final int defaultPort;

    Scheme(String name, int defaultPort) {
      this.name = name;
      this.defaultPort = defaultPort;
    }

    boolean socks() {
      return this == SOCKS5 || this == SOCKS5H;
    }
  }

  private final Scheme scheme;
  private final String host;
  private final int port;
  private final String username;
  private final String password;

  private ProxyUrl(Scheme scheme, String host, int port, String username, String password) {
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.username = username;
    this.password = password;
  }

  /** A proxy without credentials (as the JVM's {@code ProxySelector} names one). */
  public static ProxyUrl of(Scheme scheme, String host, int port) {
    if (host == null || host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid proxy address " + redact(host) + ":" + port);
    }
    return new ProxyUrl(scheme, stripBrackets(host), port, null, null);
  }

  /**
   * Parses a proxy URL.
   *
   * @throws IllegalArgumentException naming the value (its credentials replaced by {@code ***}) and what is wrong
   */
  public static ProxyUrl parse(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("empty proxy URL");
    }
    String v = value.strip();
    String shown = redact(v);
    int sep = schemeEnd(v);
    String schemeName = sep < 0 ? "http" : v.substring(0, sep).toLowerCase(Locale.ROOT);
    String rest = sep < 0 ? v : v.substring(sep + 3);
    Scheme scheme = null;
    for (Scheme s : Scheme.values()) {
      if (s.name.equals(schemeName)) {
        scheme = s;
      }
    }
    if (scheme == null) {
      throw new IllegalArgumentException("unsupported proxy scheme '" + schemeName + "' in '" + shown
          + "': use http://, https://, socks5:// or socks5h://");
    }
    // A proxy URL has no path, so its last '@' ends the user info whatever the password holds.
    int lastAt = rest.lastIndexOf('@');
    String userInfo = lastAt < 0 ? null : rest.substring(0, lastAt);
    rest = rest.substring(lastAt + 1);
    if (userInfo != null && (userInfo.indexOf('/') >= 0 || userInfo.indexOf('?') >= 0
        || userInfo.indexOf('#') >= 0)) {
      throw new IllegalArgumentException("the user name or password in proxy URL '" + shown + "' holds a '/', '?'"
          + " or '#': percent-encode them (%2F, %3F, %23)");
    }
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      String path = rest.substring(slash);
      if (!path.equals("/")) {
        throw new IllegalArgumentException("a proxy URL has no path: '" + shown + "'");
      }
      rest = rest.substring(0, slash);
    }
    if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
      throw new IllegalArgumentException("a proxy URL has no query or fragment: '" + shown + "'");
    }
    String username = null;
    String password = null;
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), shown);
      password = colon < 0 ? "" : decode(userInfo.substring(colon + 1), shown);
      if (username.isEmpty() && password.isEmpty()) {
        username = null;
        password = null;
      }
    }
    String host;
    String portText = null;
    if (rest.startsWith("[")) {
      int close = rest.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("unterminated IPv6 address in proxy URL '" + shown + "'");
      }
      host = rest.substring(1, close);
      String after = rest.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw new IllegalArgumentException("invalid proxy URL '" + shown + "'");
        }
        portText = after.substring(1);
      }
    } else {
      int colon = rest.lastIndexOf(':');
      host = colon < 0 ? rest : rest.substring(0, colon);
      portText = colon < 0 ? null : rest.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("an IPv6 proxy address needs brackets: '" + shown + "'");
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("the proxy URL '" + shown + "' names no host");
    }
    if (!host.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '%' && c != '\\')) {
      throw new IllegalArgumentException("invalid host in proxy URL '" + shown + "'");
    }
    int port = scheme.defaultPort;
    if (portText != null) {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("invalid port in proxy URL '" + shown + "'");
      }
    }
    if (scheme.socks() && username != null && (bytes(username) > 255 || bytes(password) > 255)) {
      throw new IllegalArgumentException("SOCKS5 user names and passwords are at most 255 bytes: '" + shown + "'");
    }
    return new ProxyUrl(scheme, host.toLowerCase(Locale.ROOT), port, username, password);
  }

  /**
   * {@code value} with everything between its {@code scheme://} (or its start) and its last {@code @} shown as {@code
   * ***}: whatever a password holds unencoded ('/', '@', ':', '%', '#', '?'), no part of the user info is shown.
   */
  public static String redact(String value) {
    if (value == null) {
      return null;
    }
    int sep = schemeEnd(value);
    int start = sep < 0 ? 0 : sep + 3;
    int at = value.lastIndexOf('@');
    if (at < start) {
      return value;
    }
    return value.substring(0, start) + "***" + value.substring(at);
  }

  /** The index of the {@code ://} that follows a URL scheme (RFC 3986 letters, digits, '+', '-', '.'), or -1. */
  private static int schemeEnd(String value) {
    int sep = value.indexOf("://");
    if (sep <= 0 || !Character.isLetter(value.charAt(0)) || value.charAt(0) > 0x7f) {
      return -1;
    }
    for (int i = 1; i < sep; i++) {
      char c = value.charAt(i);
      if (!(c < 0x80 && (Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.'))) {
        return -1;
      }
    }
    return sep;
  }

  public Scheme scheme() {
    return scheme;
  }

  /** The proxy's host name or address (an IPv6 literal without brackets). */
  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** {@code host:port}, an IPv6 literal in brackets: how messages name the proxy. */
  public String address() {
    return Authorities.of(host, port);
  }

  public boolean hasCredentials() {
    return username != null;
  }

  /** The decoded user name, or null. Only for the dialers. */
  String username() {
    return username;
  }

  /** The decoded password ({@code ""} when the URL has a user but no password), or null. Only for the dialers. */
  String password() {
    return password;
  }

  /** {@code Basic base64(user:password)} for {@code Proxy-Authorization}, or null without credentials. */
  String basicAuthorization() {
    if (username == null) {
      return null;
    }
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** Percent-decoding of user info as UTF-8; a bad escape is an error (naming the redacted URL, not the text). */
  private static String decode(String s, String shown) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < s.length()) {
      int percent = s.indexOf('%', i);
      int end = percent < 0 ? s.length() : percent;
      out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
      if (percent < 0) {
        break;
      }
      int hi = percent + 2 < s.length() ? Character.digit(s.charAt(percent + 1), 16) : -1;
      int lo = percent + 2 < s.length() ? Character.digit(s.charAt(percent + 2), 16) : -1;
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("invalid percent escape in the credentials of proxy URL '" + shown + "'");
      }
      out.write(hi * 16 + lo);
      i = percent + 3;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The URL with its credentials shown as {@code ***}: {@code http://***@proxy:3128}. */
  @Override
  public String toString() {
    return scheme.name + "://" + (username != null ? "***@" : "") + address();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProxyUrl other && scheme == other.scheme && host.equals(other.host) && port == other.port
        && java.util.Objects.equals(username, other.username) && java.util.Objects.equals(password, other.password);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(scheme, host, port, username);
  }
}
