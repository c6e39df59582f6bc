package dev.jgitpomerium.transport.internal.token;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the one claim a client may look at in an otherwise opaque Pomerium token: {@code exp}, present on some
 * service-account tokens (session tokens have none). The signature is not checked: this only avoids sending a token
 * that is certainly stale.
 */
public final class Jwts {
  private static final Pattern EXP = Pattern.compile("\"exp\"\\s*:\\s*(\\d{1,12})");

  private Jwts() {}

  static boolean isExpired(String token) {
    return expiry(token).map(exp -> exp.getEpochSecond() < System.currentTimeMillis() / 1000).orElse(false);
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
}
