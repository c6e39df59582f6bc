package dev.jgitpomerium.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway's bearer JWT check refuses what Pomerium's jwt format refuses, with its words. */
class JwtIssuerTest {
  private static final List<String> AUDIENCES = List.of("https://pomerium.corp.example.com");
  private final JwtIssuer issuer = new JwtIssuer("https://token.actions.githubusercontent.com");

  @Test
  void aTokenItSignedForAnAcceptedAudienceVerifies() {
    assertNull(issuer.rejection(issuer.mint("repo:o/r:ref:refs/heads/main", AUDIENCES.get(0)), AUDIENCES));
  }

  @Test
  void eachFlawIsRefusedWithItsReason() {
    String good = issuer.mint("repo:o/r:ref:refs/heads/main", AUDIENCES.get(0));
    JwtIssuer impostor = new JwtIssuer(issuer.issuer());
    assertEquals("token signature is invalid",
        issuer.rejection(impostor.mint("repo:o/r:ref:refs/heads/main", AUDIENCES.get(0)), AUDIENCES));
    String[] parts = good.split("\\.");
    String otherClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"iss\":\"https://token.actions.githubusercontent.com\",\"aud\":\"https://pomerium.corp.example.com\"}"
            .getBytes(StandardCharsets.UTF_8));
    assertEquals("token signature is invalid", issuer.rejection(parts[0] + "." + otherClaims + "." + parts[2],
        AUDIENCES), "claims changed after signing");
    assertEquals("token audience does not match any allowed audience",
        issuer.rejection(issuer.mint("repo:o/r", "https://github.com/o"), AUDIENCES));
    assertEquals("token is expired", issuer.rejection(issuer.mint("repo:o/r", AUDIENCES.get(0),
        Instant.now().minusSeconds(1), Map.of()), AUDIENCES));
    assertEquals("no identity provider matches the token's iss claim", issuer.rejection(issuer.mint("repo:o/r",
        AUDIENCES.get(0), Instant.now().plusSeconds(60), Map.of("iss", "https://gitlab.example.com")), AUDIENCES));
    assertEquals("token is not a JWT", issuer.rejection("not-a-jwt", AUDIENCES));
  }
}
