package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The route forms of pomerium-cli's {@code ParseURLs} (tunnel/urls_test.go), plus our refusals. */
class RouteTest {

  @Test
  void hostPortGoesThroughPomeriumOnTheRouteHostPort443() {
    Route route = Route.parse("git.corp.example.com:22");
    assertEquals("git.corp.example.com:22", route.destination());
    assertEquals(PomeriumEndpoint.of("git.corp.example.com", 443), route.endpoint());
  }

  @Test
  void tcpHttpsFormIsTheSameAsHostPort() {
    assertEquals(Route.parse("git.corp.example.com:22"), Route.parse("tcp+https://git.corp.example.com:22"));
  }

  @Test
  void bastionFormTakesTheDestinationFromThePathAndPomeriumFromTheHost() {
    Route route = Route.parse("tcp+https://pomerium.corp.example.com:8443/git.corp.example.com:2222");
    assertEquals("git.corp.example.com:2222", route.destination());
    assertEquals("pomerium.corp.example.com:8443", route.endpoint().authority());
  }

  @Test
  void bastionFormWithoutPortUses443() {
    Route route = Route.parse("tcp+https://pomerium.corp.example.com/git.corp.example.com:22");
    assertEquals("pomerium.corp.example.com:443", route.endpoint().authority());
  }

  @Test
  void pomeriumUrlReplacesTheEndpointOfEveryForm() {
    String url = "https://pomerium.corp.example.com";
    assertEquals("pomerium.corp.example.com:443", Route.parse("git.corp.example.com:22", url).endpoint().authority());
    assertEquals("pomerium.corp.example.com:9443",
        Route.parse("tcp+https://other.example.com/git.corp.example.com:22", url + ":9443").endpoint().authority());
  }

  @Test
  void pomeriumUrlWithoutSchemeIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Route.parse("git.corp.example.com:22", "pomerium.corp.example.com"));
    assertTrue(e.getMessage().contains("invalid Pomerium URL"), e.getMessage());
  }

  @Test
  void plainHttpIsRefusedBecauseTheTokenWouldTravelInClearText() {
    IllegalArgumentException route = assertThrows(IllegalArgumentException.class,
        () -> Route.parse("tcp+http://git.corp.example.com:22"));
    assertTrue(route.getMessage().contains("unencrypted"), route.getMessage());
    IllegalArgumentException url = assertThrows(IllegalArgumentException.class,
        () -> PomeriumEndpoint.parse("http://pomerium.corp.example.com"));
    assertTrue(url.getMessage().contains("unencrypted"), url.getMessage());
  }

  @Test
  void destinationWithoutPortIsRejectedWithAHintAtTheSshPort() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Route.parse("git.corp.example.com"));
    assertTrue(e.getMessage().contains("usually 22"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Route.parse("tcp+https://git.corp.example.com"));
  }

  @Test
  void emptyAndMalformedRoutesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Route.parse(""));
    assertThrows(IllegalArgumentException.class, () -> Route.parse("git.corp.example.com:ssh"));
    assertThrows(IllegalArgumentException.class, () -> Route.parse("git.corp.example.com:70000"));
  }

  @Test
  void matchesTheHostCaseInsensitivelyAndOnlyOnItsPort() {
    Route route = Route.parse("Git.Corp.Example.com:22");
    assertTrue(route.matches("git.corp.example.COM", 22));
    assertFalse(route.matches("git.corp.example.com", 2222));
    assertFalse(route.matches("other.corp.example.com", 22));
  }

  @Test
  void endpointUrlLeavesOutTheDefaultPortAsPomeriumSignsIt() {
    assertEquals("https://pomerium.example.com", PomeriumEndpoint.parse("https://pomerium.example.com:443/x").url());
    assertEquals("https://pomerium.example.com:8443",
        PomeriumEndpoint.parse("https://pomerium.example.com:8443").url());
  }
}
