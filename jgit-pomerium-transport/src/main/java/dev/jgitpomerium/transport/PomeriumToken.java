package dev.jgitpomerium.transport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A credential presented to Pomerium on the {@code CONNECT} request.
 *
 * <p>Its {@link #toString()} never shows the value, so a token that ends up in a log line or an exception message by
 * mistake stays secret.
 */
public final class PomeriumToken {
  /** How the token is sent in the {@code Authorization} header. */
  public enum Scheme {
    /** {@code Authorization: Pomerium <jwt>}: a Pomerium session or service-account JWT. */
    POMERIUM("Pomerium"),
    /**
     * {@code Authorization: Bearer <token>}: an identity-provider token, for routes with {@code bearer_token_format}.
     */
    BEARER("Bearer");

    private final String headerPrefix;

    Scheme(String headerPrefix) {
      this.headerPrefix = headerPrefix;
    }
  }

  private final Scheme scheme;
  private final String value;

  private PomeriumToken(Scheme scheme, String value) {
    this.scheme = scheme;
    this.value = value;
  }

  /** A Pomerium JWT, sent as {@code Authorization: Pomerium <jwt>}. Surrounding white space is removed. */
  public static PomeriumToken pomerium(String jwt) {
    return new PomeriumToken(Scheme.POMERIUM, check(jwt));
  }

  /** An identity-provider token, sent as {@code Authorization: Bearer <token>}. */
  public static PomeriumToken bearer(String token) {
    return new PomeriumToken(Scheme.BEARER, check(token));
  }

  private static String check(String token) {
    Objects.requireNonNull(token, "token == null");
    String t = token.strip();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("token is empty");
    }
    // A line break would let the token inject headers into the CONNECT request.
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException("token contains a character that is not visible ASCII at index " + i);
      }
    }
    return t;
  }

  /** How the token is sent in the {@code Authorization} header. */
  public Scheme scheme() {
    return scheme;
  }

  /** The secret itself. Never log it. */
  public String value() {
    return value;
  }

  /** The value of the {@code Authorization} header that carries this token. */
  public String authorizationHeader() {
    return scheme.headerPrefix + " " + value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PomeriumToken other && scheme == other.scheme
        && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
            other.value.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public int hashCode() {
    return scheme.hashCode();
  }

  @Override
  public String toString() {
    return "PomeriumToken{" + scheme.headerPrefix + " <redacted>}";
  }
}
