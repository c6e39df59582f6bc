package dev.jgitpomerium.testkit;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A JWT issuer as CI platforms and Kubernetes are: an issuer URL and an RSA key that signs {@code RS256} tokens with
 * {@code iss}, {@code aud}, {@code sub}, {@code iat}, {@code nbf}, {@code exp} and any other claims. {@link
 * PomeriumGateway.Builder#trustJwtIssuer} makes the gateway verify its tokens as Pomerium verifies a route's bearer
 * JWTs ({@code bearer_token_format: jwt} with an {@code identity_providers} entry).
 */
public final class JwtIssuer {
  private final String issuer;
  private final KeyPair keys;
  private final List<String> minted = new ArrayList<>();

  /** A new issuer named {@code issuer} (e.g. {@code https://token.actions.githubusercontent.com}) with a fresh key. */
  public JwtIssuer(String issuer) {
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      this.keys = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code iss} of its tokens. */
  public String issuer() {
    return issuer;
  }

  /** The key its tokens verify with. */
  public PublicKey publicKey() {
    return keys.getPublic();
  }

  /** A token for {@code subject} and {@code audience}, valid until {@code expiry}, with {@code extra} claims. */
  public String mint(String subject, String audience, Instant expiry, Map<String, String> extra) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", issuer);
    claims.put("aud", audience);
    claims.put("sub", subject);
    long now = Instant.now().getEpochSecond();
    claims.put("iat", now);
    claims.put("nbf", now - 5);
    claims.put("exp", expiry.getEpochSecond());
    claims.putAll(extra);
    String signingInput = base64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + base64(json(claims));
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(keys.getPrivate());
      rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      String token = signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());
      synchronized (minted) {
        minted.add(token);
      }
      return token;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token for {@code subject} and {@code audience}, valid for five minutes (GitHub's tokens live about that). */
  public String mint(String subject, String audience) {
    return mint(subject, audience, Instant.now().plusSeconds(300), Map.of());
  }

  /** Every token minted so far, in order (tests register them as secrets the log must not hold). */
  public List<String> mintedTokens() {
    synchronized (minted) {
      return List.copyOf(minted);
    }
  }

  /**
   * Why Pomerium would refuse {@code token} from this issuer for {@code audiences}, in the words of its log, or null
   * when it verifies: the signature ({@code RS256} with this key), {@code iss}, {@code aud}, {@code exp} and {@code
   * nbf}.
   */
  String rejection(String token, List<String> audiences) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return "token is not a JWT";
    }
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initVerify(keys.getPublic());
      rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!rs256.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return "token signature is invalid";
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return "token signature is invalid";
    }
    Map<String, Object> claims;
    try {
      claims = Claims.parse(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return "token claims are malformed";
    }
    if (!issuer.equals(claims.get("iss"))) {
      return "no identity provider matches the token's iss claim";
    }
    Object aud = claims.get("aud");
    List<?> audienceList = aud instanceof List<?> list ? list : aud == null ? List.of() : List.of(aud);
    if (audienceList.stream().noneMatch(audiences::contains)) {
      return "token audience does not match any allowed audience";
    }
    long now = Instant.now().getEpochSecond();
    if (!(claims.get("exp") instanceof BigDecimal exp) || exp.longValue() < now) {
      return "token is expired";
    }
    if (claims.get("nbf") instanceof BigDecimal nbf && nbf.longValue() > now + 60) {
      return "token is not valid yet";
    }
    return null;
  }

  private static String base64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String json(Map<String, Object> claims) {
    StringBuilder out = new StringBuilder("{");
    claims.forEach((name, value) -> {
      if (out.length() > 1) {
        out.append(',');
      }
      out.append(Claims.quote(name)).append(':')
          .append(value instanceof Number ? value.toString() : Claims.quote(String.valueOf(value)));
    });
    return out.append('}').toString();
  }

  @Override
  public String toString() {
    return "JwtIssuer{" + issuer + "}";
  }
}
