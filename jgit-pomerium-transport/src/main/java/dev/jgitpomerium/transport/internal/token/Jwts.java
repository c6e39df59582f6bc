package dev.jgitpomerium.transport.internal.token;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the one claim a client may look at in an otherwise opaque Pomerium token: {@code exp}, present on some
 * service-account tokens (session tokens have none). The signature is not checked: this only avoids sending a token
 * that is certainly stale.
 */
final class Jwts {
  private static final Pattern EXP = Pattern.compile("\"exp\"\\s*:\\s*(\\d{1,12})");

  private Jwts() {}

  static boolean isExpired(String token) {
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return false;
    }
    String payload;
    try {
      payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    Matcher m = EXP.matcher(payload);
    return m.find() && Long.parseLong(m.group(1)) < System.currentTimeMillis() / 1000;
  }
}
