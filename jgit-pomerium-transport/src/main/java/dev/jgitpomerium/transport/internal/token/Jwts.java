package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.internal.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the claims a client may look at in a JWT without trusting them (the signature is not checked): {@code exp}
 * of a Pomerium token, present on some service-account tokens (session tokens have none), which only avoids sending
 * a token that is certainly stale; and {@code iss}, {@code aud}, {@code sub} and {@code exp} of an identity token, to
 * say in a message which token Pomerium turned away. None of these is secret; the signature, which is, is never read.
 */
public final class Jwts {
  private static final Pattern EXP = Pattern.compile("\"exp\"\\s*:\\s*(\\d{1,12})");
  private static final int MAX_CLAIM_CHARS = 200;

  private Jwts() {}

  static boolean isExpired(String token) {
    return expiredAt(token, Instant.now()).isPresent();
  }

  /**
   * The token's {@code exp} when it has passed at {@code now}, the one rule for every token this library holds: a
   * token whose {@code exp} has passed on this machine's clock is never sent (no grace: the issuer's clock and
   * Pomerium's agree with ours to seconds, and a token that close to its end would be refused anyway).
   */
  public static Optional<Instant> expiredAt(String token, Instant now) {
    return expiry(token).filter(exp -> !exp.isAfter(now));
  }

  /**
   * Whether {@code token} is a JWT as a route with {@code bearer_token_format: jwt} takes it: three base64url parts
   * whose middle one is a JSON object. An IdP's opaque access token is not, and only a route with {@code
   * bearer_token_format: idp_access_token} may accept it.
   */
  public static boolean isJwt(String token) {
    return claims(token).isPresent();
  }

  /** The token's {@code exp}, if it is a JWT that has one (read, never verified). */
  public static Optional<Instant> expiry(String token) {
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return Optional.empty();
    }
    String payload;
    try {
      payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    Matcher m = EXP.matcher(payload);
    return m.find() ? Optional.of(Instant.ofEpochSecond(Long.parseLong(m.group(1)))) : Optional.empty();
  }

  /** The claims of a JWT ({@code header.payload.signature}, base64url), or empty when {@code token} is not one. */
  static Optional<Map<String, Object>> claims(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.parseObject(new String(Base64.getUrlDecoder().decode(parts[1]),
          StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Which identity a bearer JWT claims, for messages: {@code issuer I, audience A, subject S, expires T}; null when
   * {@code token} is not a bearer token or not a JWT. Claims are shortened and stripped to printable ASCII.
   */
  public static String describe(PomeriumToken token) {
    if (token == null || token.scheme() != PomeriumToken.Scheme.BEARER) {
      return null;
    }
    Map<String, Object> claims = claims(token.value()).orElse(null);
    if (claims == null) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    add(parts, "issuer", claims.get("iss"));
    add(parts, "audience", claims.get("aud"));
    add(parts, "subject", claims.get("sub"));
    Object exp = claims.get("exp");
    if (exp instanceof BigDecimal seconds) {
      parts.add("expires " + Instant.ofEpochSecond(seconds.longValue()));
    }
    return parts.isEmpty() ? "no issuer, audience or subject" : String.join(", ", parts);
  }

  private static void add(List<String> parts, String name, Object claim) {
    if (claim instanceof String s) {
      parts.add(name + " " + printable(s));
    } else if (claim instanceof List<?> list) {
      List<String> values = new ArrayList<>();
      list.forEach(v -> values.add(printable(String.valueOf(v))));
      parts.add(name + " " + String.join(" ", values));
    }
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < MAX_CLAIM_CHARS; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out.toString();
  }
}
