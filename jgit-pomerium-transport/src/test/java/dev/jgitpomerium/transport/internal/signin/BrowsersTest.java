package dev.jgitpomerium.transport.internal.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.internal.Words;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrowsersTest {

  @Test
  void browserCommandsSplitOnWhiteSpaceAndHonourQuotes() {
    assertEquals(List.of("chromium", "--headless", "--user-data-dir=/tmp/a b"),
        Words.split("chromium  --headless '--user-data-dir=/tmp/a b'"));
    assertEquals(List.of("open", "-a", "Google Chrome"), Words.split("open -a \"Google Chrome\""));
    assertThrows(IllegalArgumentException.class, () -> Words.split("open 'unbalanced"));
  }

  @Test
  void linuxWithoutDisplayOrWaylandHasNoBrowser() {
    assertFalse(Browsers.hasDisplay("Linux", n -> null));
    assertTrue(Browsers.hasDisplay("Linux", Map.of("DISPLAY", ":0")::get));
    assertTrue(Browsers.hasDisplay("Linux", Map.of("WAYLAND_DISPLAY", "wayland-0")::get));
    assertTrue(Browsers.hasDisplay("Mac OS X", n -> null));
  }

  @Test
  void aPastedCallbackAddressOrBareTokenIsAccepted() {
    PomeriumToken token = PomeriumToken.pomerium("eyJhbGciOi.payload-part.signature");
    assertEquals(token, BrowserSignIn.parsePasted(
        "  http://127.0.0.1:41234/callback/abc?pomerium_jwt=eyJhbGciOi.payload-part.signature&x=1 "));
    assertEquals(token, BrowserSignIn.parsePasted("eyJhbGciOi.payload-part.signature"));
    assertNull(BrowserSignIn.parsePasted("http://127.0.0.1:41234/callback/abc?state=1"));
    assertNull(BrowserSignIn.parsePasted("yes"));
    assertNull(BrowserSignIn.parsePasted("two words that are long enough"));
  }
}
