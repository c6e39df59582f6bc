package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.GatewayResponse;
import dev.jgitpomerium.testkit.RecordedConnect;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.Test;

/** Browser sign-in through the gateway's sign-in page: once, shared, cached, and only when a person can answer. */
// Every operation here opens its own tunnel (noConnectionReuse): what is tested happens when a tunnel opens.
class SignInTest extends TestbedTest {

  private PomeriumEndpoint endpoint() {
    return PomeriumEndpoint.parse(testbed.gateway.url());
  }

  private void lsRemote(PomeriumSshSessionFactory pomerium) throws Exception {
    Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
  }

  @Test
  void aConnectionWithoutATokenSignsInOnceAndLaterConnectionsUseTheCachedToken() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      lsRemote(pomerium);
    }
    assertEquals(1, testbed.gateway.loginApiCount());
    assertEquals(1, testbed.gateway.signInCount());
    assertEquals(1, testbed.browser.opened());
    String token = testbed.gateway.issuedTokens().get(0);
    assertEquals(PomeriumToken.pomerium(token), TokenStore.directory(testbed.tokenCache).load(endpoint()));

    List<RecordedConnect> connects = testbed.gateway.requests();
    assertEquals(3, connects.size());
    assertNull(connects.get(0).authorization(), "the first CONNECT has no token, as pomerium-cli's");
    assertEquals("Pomerium " + token, connects.get(1).authorization());
    assertEquals("Pomerium " + token, connects.get(2).authorization());
  }

  @Test
  void sixteenParallelClonesWithoutATokenCauseExactlyOneSignIn() throws Exception {
    restartTestbed("slow-sign-in", gateway -> gateway.signInDelay(Duration.ofMillis(500)));
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse().build()) {
      testbed.cloneConcurrently(pomerium, 16);
    }
    assertEquals(1, testbed.gateway.signInCount());
    assertEquals(1, testbed.browser.opened());
  }

  @Test
  void anExpiredCachedTokenCausesExactlyOneSignInAndThenSucceeds() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse().build()) {
      lsRemote(pomerium);
      testbed.gateway.revokeAllTokens();
      lsRemote(pomerium);
    }
    assertEquals(2, testbed.gateway.signInCount());
    assertEquals(PomeriumToken.pomerium(testbed.gateway.issuedTokens().get(1)),
        TokenStore.directory(testbed.tokenCache).load(endpoint()));
  }

  @Test
  void aTokenSignedInWithPomeriumCliIsUsedWithoutAnotherSignIn() throws Exception {
    // pomerium-cli's cache format: raw token, file named by the HMAC of "host:port|true".
    String token = "token-from-pomerium-cli-sign-in";
    testbed.gateway.requireToken(token);
    TokenStore.directory(testbed.tokenCache).store(endpoint(), PomeriumToken.pomerium(token));
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse().build()) {
      lsRemote(pomerium);
    }
    assertEquals(0, testbed.gateway.signInCount());
    assertEquals("Pomerium " + token, testbed.gateway.requests().get(0).authorization());
  }

  @Test
  void forbiddenNotFoundUnavailableAndNetworkErrorsKeepTheCachedToken() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse().build()) {
      lsRemote(pomerium);
      testbed.gateway.enqueue(GatewayResponse.forbidden());
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      assertInstanceOf(PomeriumAccessDeniedException.class, PomeriumException.causeOf(e).orElseThrow());
      testbed.gateway.enqueue(GatewayResponse.notFound());
      assertThrows(TransportException.class, () -> lsRemote(pomerium));
      testbed.gateway.enqueue(GatewayResponse.unavailable());
      assertThrows(TransportException.class, () -> lsRemote(pomerium));
      testbed.gateway.setFault(dev.jgitpomerium.testkit.Fault.resetDuringHead());
      assertThrows(TransportException.class, () -> lsRemote(pomerium));
    }
    assertEquals(1, testbed.gateway.signInCount());
    assertEquals(PomeriumToken.pomerium(testbed.gateway.issuedTokens().get(0)),
        TokenStore.directory(testbed.tokenCache).load(endpoint()));
  }

  @Test
  void aNonInteractiveRunWithoutATokenFailsAtOnceSayingWhichTokenToProvide() throws Exception {
    Duration signInTimeout = Duration.ofSeconds(40);
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .interactive(false).signInTimeout(signInTimeout)
        .build()) {
      long start = System.nanoTime();
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      // "At once": far sooner than a sign-in would be waited for (a bound loose enough for a loaded CI machine).
      assertTrue(elapsed.compareTo(signInTimeout.dividedBy(4)) < 0, "took " + elapsed);
      assertInstanceOf(PomeriumSignInRequiredException.class, PomeriumException.causeOf(e).orElseThrow());
      assertTrue(e.getMessage().contains("requires sign-in for git.corp.example.com:22 (HTTP 302): interactive "
          + "sign-in is turned off, so no browser sign-in is started. Provide a token:"), e.getMessage());
      assertTrue(e.getMessage().contains("JGIT_POMERIUM_TOKEN_FILE"), e.getMessage());
      assertTrue(e.getMessage().contains("'pomerium-cli auth https://localhost:" + testbed.gateway.port() + "'"),
          e.getMessage());
    }
    assertEquals(0, testbed.gateway.loginApiCount());
    assertEquals(0, testbed.browser.opened());
  }

  @Test
  void aCiEnvironmentIsNotInteractive() throws Exception {
    try (PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
        .route(Testbed.HOST + ":22").pomeriumUrl(testbed.gateway.url())
        .addCaCertificatesPem(testbed.gateway.caCertificatePem())
        .tokenStore(TokenStore.inMemory())
        .browserLauncher(testbed.browser)
        .environment(Map.of("CI", "true", "DISPLAY", ":0")::get)
        .homeDirectory(testbed.home.toFile()).sshDirectory(testbed.sshDirectory.toFile())
        .build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      assertTrue(e.getMessage().contains("this looks like a CI run (CI is set)"), e.getMessage());
    }
    assertEquals(0, testbed.browser.opened());
  }

  @Test
  void aSignInThatNobodyCompletesTimesOutAndItsCallbackIsGone() throws Exception {
    List<URI> shown = new CopyOnWriteArrayList<>();
    PomeriumEventListener listener = new PomeriumEventListener() {
      @Override
      public void signInStarted(PomeriumEndpoint endpoint, URI signInUrl) {
        shown.add(signInUrl);
      }
    };
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .browserLauncher(url -> { })
        .signInTimeout(Duration.ofMillis(800))
        .eventListener(listener)
        .build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      assertTrue(e.getMessage().contains("no sign-in was completed within 0 min 0 s")
          || e.getMessage().contains("no sign-in was completed within"), e.getMessage());
    }
    assertEquals(1, shown.size());
    String callback = java.net.URLDecoder.decode(shown.get(0).getRawQuery(), java.nio.charset.StandardCharsets.UTF_8)
        .replaceAll(".*pomerium_redirect_uri=([^&]+).*", "$1");
    URI uri = URI.create(callback);
    assertThrows(java.net.ConnectException.class, () -> new java.net.Socket(uri.getHost(), uri.getPort()).close());
  }

  @Test
  void aBrowserThatFailsToOpenDoesNotFailTheSignInWhenTheUserPastesTheAddress() throws Exception {
    HeadlessUser user = new HeadlessUser(testbed.gateway);
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .browserLauncher(url -> {
          throw new java.io.IOException("xdg-open: no method available for opening the URL");
        })
        .console(user.input(), user.output())
        .build()) {
      lsRemote(pomerium);
    }
    assertTrue(user.transcript().contains("Could not open a browser (xdg-open: no method available"),
        user.transcript());
    assertEquals(1, testbed.gateway.signInCount());
  }

  @Test
  void headlessSignInShowsTheAddressAndTakesBackWhereTheRemoteBrowserEnded() throws Exception {
    HeadlessUser user = new HeadlessUser(testbed.gateway);
    List<String> events = new CopyOnWriteArrayList<>();
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .noBrowser()
        .console(user.input(), user.output())
        .eventListener(new RecordingListener(events))
        .build()) {
      lsRemote(pomerium);
    }
    assertEquals(0, testbed.browser.opened());
    assertEquals(1, testbed.gateway.signInCount());
    assertTrue(user.transcript().contains("paste that page's full address (or the token) here"), user.transcript());
    assertEquals(List.of("tunnelOpening", "signInRequired 302", "signInStarted",
        "browserNotOpened no browser requested", "tokenObtained sign-in", "tunnelOpened"), events.subList(0, 6));
    for (String token : testbed.gateway.issuedTokens()) {
      assertFalse(user.transcript().contains(token), "the console never echoes the token");
    }
  }

  @Test
  void headlessSignInAlsoAcceptsThePastedTokenItself() throws Exception {
    HeadlessUser user = new HeadlessUser(testbed.gateway).pastingTokenOnly();
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .noBrowser()
        .console(user.input(), user.output())
        .build()) {
      lsRemote(pomerium);
    }
    assertEquals(1, testbed.gateway.signInCount());
  }

  @Test
  void eventsReportTheSignInWithItsAddressAndWhereTheTokenCameFrom() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .eventListener(new RecordingListener(events)).build()) {
      lsRemote(pomerium);
      lsRemote(pomerium);
    }
    // tunnelClosed comes from the relay's thread, so its place among the second command's events may vary.
    assertEquals(List.of("tunnelOpening", "signInRequired 302", "signInStarted", "browserOpened",
        "tokenObtained sign-in", "tunnelOpened", "tunnelOpening", "tokenObtained token cache", "tunnelOpened"),
        events.stream().filter(e -> !e.equals("tunnelClosed")).collect(java.util.stream.Collectors.toList()));
  }

  @Test
  void signOutRemovesTheCachedTokenSoTheNextConnectionSignsInAgain() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse().build()) {
      lsRemote(pomerium);
      pomerium.signOut();
      assertNull(TokenStore.directory(testbed.tokenCache).load(endpoint()));
      lsRemote(pomerium);
    }
    assertEquals(2, testbed.gateway.signInCount());
  }
}
