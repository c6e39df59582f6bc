package dev.jgitpomerium.testkit;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * URL helpers for the login flow that {@link PomeriumGateway} serves and {@link FakeBrowser}
 * follows, kept in one place so both agree on query syntax and on how tokens are hidden in logs.
 */
final class Urls {
  /** The query parameter Pomerium puts the session token in when it redirects to a client. */
  static final String TOKEN_PARAMETER = "pomerium_jwt";

  /**
   * What Pomerium's default {@code programmatic_redirect_domain_whitelist} ({@code localhost})
   * lets through; {@link URI#getHost()} keeps the brackets of IPv6 literals.
   */
  private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");

  private static final Pattern TOKEN_VALUE =
      Pattern.compile("([?&]" + TOKEN_PARAMETER + "=)[^&#\\s]*", Pattern.CASE_INSENSITIVE);

  private Urls() {}

  /** {@code text} with every {@code pomerium_jwt} query value replaced, safe to log. */
  static String redact(String text) {
    return text == null ? null : TOKEN_VALUE.matcher(text).replaceAll("$1<redacted>");
  }

  /**
   * The origin-form of a request-target: the path and query of an absolute-form target such as
   * {@code https://host/.pomerium/x?y}, or the target itself.
   */
  static String originForm(String target) {
    int schemeEnd = target.indexOf("://");
    if (target.startsWith("/") || schemeEnd < 0) {
      return target;
    }
    int authorityStart = schemeEnd + 3;
    for (int i = authorityStart; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '/') {
        return target.substring(i);
      }
      if (c == '?') {
        return "/" + target.substring(i);
      }
    }
    return "/";
  }

  /** The path of an origin-form target, without query or fragment. */
  static String path(String originForm) {
    int end = indexOfAny(originForm, '?', '#');
    return end < 0 ? originForm : originForm.substring(0, end);
  }

  /** The raw query of an origin-form target, or the empty string when it has none. */
  static String rawQuery(String originForm) {
    int start = originForm.indexOf('?');
    if (start < 0) {
      return "";
    }
    int end = originForm.indexOf('#', start);
    return end < 0 ? originForm.substring(start + 1) : originForm.substring(start + 1, end);
  }

  /**
   * The decoded value of the first {@code name} parameter in {@code rawQuery} (form encoding, like
   * Go's {@code FormValue}), or null when it is absent or not validly percent-encoded.
   */
  static String firstQueryValue(String rawQuery, String name) {
    if (rawQuery.isEmpty()) {
      return null;
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      String rawValue = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        if (URLDecoder.decode(rawName, StandardCharsets.UTF_8).equals(name)) {
          return URLDecoder.decode(rawValue, StandardCharsets.UTF_8);
        }
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  /**
   * Whether {@code uri} is an absolute {@code http://} URI to a loopback host, the only redirect
   * targets Pomerium's programmatic login accepts by default. Any path and query are allowed; user
   * information is not, so {@code http://127.0.0.1@evil.example} cannot pass for loopback.
   */
  static boolean isLoopbackHttp(String uri) {
    if (uri == null || uri.isEmpty()) {
      return false;
    }
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      return false;
    }
    return "http".equalsIgnoreCase(parsed.getScheme())
        && parsed.getRawUserInfo() == null
        && parsed.getHost() != null
        && LOOPBACK_HOSTS.contains(parsed.getHost().toLowerCase(Locale.ROOT));
  }

  /**
   * {@code uri} with {@code name=value} in its query, replacing any earlier {@code name} and
   * keeping every other parameter and the fragment, as Go's {@code q.Set} does in Pomerium's
   * callback.
   */
  static String withQueryParameter(String uri, String name, String value) {
    int hash = uri.indexOf('#');
    String fragment = hash < 0 ? "" : uri.substring(hash);
    String base = hash < 0 ? uri : uri.substring(0, hash);
    int question = base.indexOf('?');
    String beforeQuery = question < 0 ? base : base.substring(0, question);
    StringBuilder query = new StringBuilder();
    if (question >= 0) {
      for (String pair : base.substring(question + 1).split("&", -1)) {
        if (pair.isEmpty() || isParameter(pair, name)) {
          continue;
        }
        query.append(pair).append('&');
      }
    }
    query.append(encode(name)).append('=').append(encode(value));
    return beforeQuery + "?" + query + fragment;
  }

  /** Form-encodes {@code s} as UTF-8. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** {@code s} safe to place in HTML text or a double-quoted attribute. */
  static String escapeHtml(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&':
          out.append("&amp;");
          break;
        case '<':
          out.append("&lt;");
          break;
        case '>':
          out.append("&gt;");
          break;
        case '"':
          out.append("&quot;");
          break;
        case '\'':
          out.append("&#39;");
          break;
        default:
          out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isParameter(String pair, String name) {
    int eq = pair.indexOf('=');
    String rawName = eq < 0 ? pair : pair.substring(0, eq);
    try {
      return URLDecoder.decode(rawName, StandardCharsets.UTF_8).equals(name);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static int indexOfAny(String s, char a, char b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == a || c == b) {
        return i;
      }
    }
    return -1;
  }
}
