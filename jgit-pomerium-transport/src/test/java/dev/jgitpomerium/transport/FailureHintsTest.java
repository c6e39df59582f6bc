package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.GatewayResponse;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A failure that says what to do carries that advice as its {@link PomeriumException#hint()}, and the rest as {@link
 * PomeriumException#what()}, so that a program can give its own advice without cutting the message.
 */
class FailureHintsTest extends TestbedTest {

  private PomeriumException failure(PomeriumSshSessionFactory.Builder builder, String destination) {
    Route route = Route.parse(destination, testbed.gateway.url());
    return assertThrows(PomeriumException.class, () -> new TunnelDialer(builder.settings()).open(route).close());
  }

  private String pomerium() {
    return "Pomerium at localhost:" + testbed.gateway.port();
  }

  @Test
  void accessDeniedAdvisesAskingTheRoutesAdministrator() {
    testbed.gateway.enqueue(GatewayResponse.forbidden());
    PomeriumException e = failure(testbed.factory(), Testbed.HOST + ":22");
    assertInstanceOf(PomeriumAccessDeniedException.class, e);
    assertEquals(Optional.of("ask the route's administrator for access (signing in again will not help)"), e.hint());
    assertEquals("Pomerium denied access to git.corp.example.com:22 through " + pomerium() + " (HTTP 403 Forbidden): "
        + "your account is not allowed by the route's policy", e.what());
    assertEquals(e.what() + "; " + e.hint().orElseThrow(), e.getMessage());
  }

  @Test
  void aMissingRouteAdvisesCheckingTheRouteAndItsPort() {
    PomeriumException e = failure(testbed.factory(), "unrouted.corp.example.com:2222");
    assertInstanceOf(PomeriumRouteNotFoundException.class, e);
    assertEquals(Optional.of("check that a route 'from: tcp+https://unrouted.corp.example.com:2222' exists; its port "
        + "is the SSH port (2222), not Pomerium's port (" + testbed.gateway.port() + ")"), e.hint());
    assertEquals(pomerium() + " has no TCP route for unrouted.corp.example.com:2222 (HTTP 404 Not Found)", e.what());
    assertEquals(e.what() + ": " + e.hint().orElseThrow(), e.getMessage());
  }

  @Test
  void anUntrustedCertificateAdvisesAddingTheCaApartFromWhatFailed() {
    PomeriumException e = failure(PomeriumSshSessionFactory.builder().route(Testbed.HOST + ":22")
        .token(Testbed.TOKEN), Testbed.HOST + ":22");
    assertInstanceOf(PomeriumTlsException.class, e);
    assertEquals(Optional.of("if Pomerium uses a private CA, add its certificate (addCaCertificates, or "
        + "jgit.pomerium.caFile)"), e.hint());
    assertTrue(e.what().startsWith("TLS handshake with " + pomerium() + " failed (for git.corp.example.com:22): "),
        e.what());
    assertFalse(e.what().contains("private CA"), e.what());
    assertEquals(e.what() + "; " + e.hint().orElseThrow(), e.getMessage());
  }

  @Test
  void aSignInThatMayNotWaitForAPersonAdvisesWhichTokenToProvide() {
    PomeriumException e = failure(testbed.signInFactory().interactive(false), Testbed.HOST + ":22");
    assertInstanceOf(PomeriumSignInRequiredException.class, e);
    assertTrue(e.hint().orElseThrow().startsWith("Provide a token: a Pomerium service-account token in a file"),
        e.getMessage());
    assertEquals(pomerium() + " requires sign-in for git.corp.example.com:22 (HTTP 302): interactive sign-in is "
        + "turned off, so no browser sign-in is started.", e.what());
    assertEquals(e.what() + " " + e.hint().orElseThrow(), e.getMessage());
  }

  @Test
  void aRejectedTokenWithNoNewerOneAdvisesSigningInAgain() {
    PomeriumException e = failure(testbed.factory().tokenSource(TokenSource.none()), Testbed.HOST + ":22");
    assertEquals(Optional.of("give a token or token file, or sign in"), e.hint());
    assertEquals(pomerium() + " requires sign-in for git.corp.example.com:22 (HTTP 302): no token was configured",
        e.what());
  }

  @Test
  void aFailureWithoutAdviceHasNoHintAndIsAllWhatFailed() {
    PomeriumException e = new PomeriumUnreachableException(null, PomeriumException.NO_STATUS,
        "cannot reach Pomerium at pomerium.corp.example.com:443 (for git.corp.example.com:22): unknown host", null);
    assertEquals(Optional.empty(), e.hint());
    assertEquals(e.getMessage(), e.what());
  }

  @Test
  void aHintMustBeTheEndOfTheMessage() {
    assertThrows(IllegalArgumentException.class,
        () -> new PomeriumException(null, 403, "denied; ask for access", "sign in again", null));
  }
}
