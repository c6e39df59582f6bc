package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenSourceTest {
  private static final Route ROUTE = Route.parse("git.corp.example.com:22");

  @TempDir Path dir;

  @Test
  void fileSourceReadsTheFileAgainAtEveryConnect() throws IOException {
    Path file = dir.resolve("token");
    Files.writeString(file, "first-token\n");
    TokenSource source = TokenSource.fromFile(file);
    assertEquals(PomeriumToken.pomerium("first-token"), source.token(TokenRequest.initial(ROUTE)));

    Files.writeString(file, "  rotated-token  ");
    assertEquals(PomeriumToken.pomerium("rotated-token"), source.token(TokenRequest.initial(ROUTE)));
  }

  @Test
  void fileSourceOffersTheRotatedTokenAfterARejectionButNotTheRejectedOne() throws IOException {
    Path file = dir.resolve("token");
    Files.writeString(file, "old-token");
    TokenSource source = TokenSource.fromFile(file);
    PomeriumToken old = source.token(TokenRequest.initial(ROUTE));

    assertNull(source.token(TokenRequest.signInRequired(ROUTE, old, 401)));
    Files.writeString(file, "new-token");
    assertEquals(PomeriumToken.pomerium("new-token"), source.token(TokenRequest.signInRequired(ROUTE, old, 401)));
  }

  @Test
  void missingOrEmptyTokenFileIsAnErrorNamingTheFile() throws IOException {
    Path file = dir.resolve("absent");
    IOException missing =
        assertThrows(IOException.class, () -> TokenSource.fromFile(file).token(TokenRequest.initial(ROUTE)));
    assertTrue(missing.getMessage().contains(file.toString()), missing.getMessage());
    Files.writeString(file, " \n");
    IOException empty =
        assertThrows(IOException.class, () -> TokenSource.fromFile(file).token(TokenRequest.initial(ROUTE)));
    assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
  }

  @Test
  void staticSourceHasNoFreshTokenAfterARejection() throws IOException {
    TokenSource source = TokenSource.of("static-token");
    PomeriumToken token = source.token(TokenRequest.initial(ROUTE));
    assertEquals("Pomerium static-token", token.authorizationHeader());
    assertNull(source.token(TokenRequest.signInRequired(ROUTE, token, 302)));
  }

  @Test
  void tokenNeverShowsItsValueInToString() {
    PomeriumToken token = PomeriumToken.pomerium("eyJhbGciOiJIUzI1NiJ9.secret.sig");
    assertFalse(token.toString().contains("secret"), token.toString());
    assertFalse(TokenSource.of("eyJ.secret.sig").toString().contains("secret"));
  }

  @Test
  void tokenWithALineBreakIsRejectedSoItCannotInjectHeaders() {
    assertThrows(IllegalArgumentException.class, () -> PomeriumToken.pomerium("abc\r\nX-Evil: 1"));
    assertThrows(IllegalArgumentException.class, () -> PomeriumToken.bearer("a b"));
  }

  @Test
  void bearerTokensUseTheBearerScheme() {
    assertEquals("Bearer idp-token", PomeriumToken.bearer("idp-token").authorizationHeader());
  }
}
