package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.Fault;
import dev.jgitpomerium.testkit.GatewayResponse;
import dev.jgitpomerium.testkit.RecordedConnect;
import dev.jgitpomerium.transport.internal.tunnel.TlsSetup;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The tunnel's contract with Pomerium: request shape, status mapping, the single sign-in retry, and bounds. */
class TunnelDialerTest extends TestbedTest {
  private static final Route ROUTE_NAME = Route.parse(Testbed.HOST + ":22");

  private Route route() {
    return Route.parse(ROUTE_NAME.destination(), testbed.gateway.url());
  }

  private TunnelDialer dialer(PomeriumSshSessionFactory.Builder builder) {
    return new TunnelDialer(builder.settings());
  }

  private PomeriumException failure(PomeriumSshSessionFactory.Builder builder) {
    PomeriumException e = assertThrows(PomeriumException.class, () -> dialer(builder).open(route()).close());
    assertFalse(e.getMessage().contains(Testbed.TOKEN), "token in message: " + e.getMessage());
    return e;
  }

  @Test
  void sshBytesSentTogetherWithThe200ArriveThroughTheTunnel() throws Exception {
    restartTestbed("coalesce", gateway -> gateway.coalesceUpstreamGreeting(true));
    try (Tunnel tunnel = dialer(testbed.factory()).open(route())) {
      byte[] banner = new byte[8];
      int n = tunnel.inputStream().readNBytes(banner, 0, banner.length);
      assertEquals(8, n);
      assertArrayEquals("SSH-2.0-".getBytes(StandardCharsets.US_ASCII), banner);
    }
  }

  /** Repeated connections to one endpoint skip the certificate exchange: one full TLS handshake per factory. */
  @Test
  void repeatedTunnelsFromOneFactoryResumeTheTlsSession() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      for (int i = 0; i < 3; i++) {
        try (java.net.Socket tunnel = pomerium.openTunnel(Testbed.HOST, 22)) {
          assertArrayEquals("SSH-2.0-".getBytes(StandardCharsets.US_ASCII), tunnel.getInputStream().readNBytes(8));
        }
      }
    }
    assertEquals(3, testbed.gateway.tlsHandshakes());
    assertEquals(2, testbed.gateway.resumedTlsHandshakes());
  }

  /**
   * JDK 17 keeps every session of a chain of TLS 1.3 resumptions alive; a context is replaced after a fixed number of
   * handshakes so that a long-running JVM does not grow by half a KiB per connection. Resumption goes on after it.
   */
  @Test
  void aLongRunOfTunnelsStartsAFreshTlsSessionChainAtEachContextRenewal() throws Exception {
    int tunnels = TlsSetup.HANDSHAKES_PER_CONTEXT + 10;
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      for (int i = 0; i < tunnels; i++) {
        pomerium.openTunnel(Testbed.HOST, 22).close();
      }
    }
    assertTrue(testbed.gateway.awaitNoOpenConnections(Duration.ofSeconds(10)));
    assertEquals(tunnels, testbed.gateway.tlsHandshakes());
    assertEquals(tunnels - 2, testbed.gateway.resumedTlsHandshakes(), "full handshakes: the first and one renewal");
  }

  /** The OS default waits two hours before the first probe: too late for NATs and load balancers. */
  @Test
  void thePomeriumHopProbesASilentConnectionWithinAMinute() throws Exception {
    try (Tunnel tunnel = dialer(testbed.factory()).open(route())) {
      assertTrue(tunnel.socket().getKeepAlive());
      if (tunnel.socket().supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
        assertEquals(60, tunnel.socket().getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
        assertEquals(10, tunnel.socket().getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
      } else {
        assertFalse(System.getProperty("os.name").startsWith("Linux"), "Linux supports TCP_KEEPIDLE");
      }
    }
  }

  @Test
  void forbiddenMeansDeniedByPolicy() {
    testbed.gateway.enqueue(GatewayResponse.forbidden());
    PomeriumException e = failure(testbed.factory());
    assertInstanceOf(PomeriumAccessDeniedException.class, e);
    assertEquals(403, e.statusCode());
    assertEquals("Pomerium denied access to git.corp.example.com:22 through Pomerium at localhost:"
        + testbed.gateway.port() + " (HTTP 403 Forbidden): your account is not allowed by the route's policy; ask "
        + "the route's administrator for access (signing in again will not help)", e.getMessage());
  }

  @Test
  void notFoundMeansNoRouteAndHintsAtTheRouteMatchPort() {
    PomeriumException direct = assertThrows(PomeriumException.class, () -> dialer(testbed.factory())
        .open(Route.parse("unrouted.corp.example.com:2222", testbed.gateway.url())));
    assertInstanceOf(PomeriumRouteNotFoundException.class, direct);
    assertEquals(404, direct.statusCode());
    assertTrue(direct.getMessage().contains("has no TCP route for unrouted.corp.example.com:2222 (HTTP 404"),
        direct.getMessage());
    assertTrue(direct.getMessage().contains("its port is the SSH port (2222), not Pomerium's port ("
        + testbed.gateway.port() + ")"), direct.getMessage());
  }

  @Test
  void unavailableMeansTheUpstreamIsDownAndKeepsItsStatus() {
    testbed.gateway.enqueue(GatewayResponse.unavailable());
    PomeriumException e = failure(testbed.factory());
    assertInstanceOf(PomeriumUnavailableException.class, e);
    assertTrue(e.getMessage().contains("Pomerium could not reach git.corp.example.com:22"), e.getMessage());
    assertTrue(e.getMessage().contains("(HTTP 503"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 407, 500, 502})
  void anyOtherStatusIsAnErrorThatNamesIt(int status) {
    testbed.gateway.enqueue(GatewayResponse.status(status));
    PomeriumException e = failure(testbed.factory());
    assertInstanceOf(PomeriumProtocolException.class, e);
    assertEquals(status, e.statusCode());
    assertTrue(e.getMessage().startsWith("Pomerium refused the tunnel to git.corp.example.com:22 through Pomerium at "
        + "localhost:" + testbed.gateway.port() + " (HTTP " + status), e.getMessage());
    assertEquals(1, testbed.gateway.requestCount());
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 307, 308, 401})
  void signInRequiredAsksTheTokenSourceOnceAndRetriesOnce(int status) throws Exception {
    testbed.gateway.enqueue(GatewayResponse.status(status).header("Location", "https://idp.example.com/login"));
    List<TokenRequest> asked = new CopyOnWriteArrayList<>();
    TokenSource source = request -> {
      asked.add(request);
      return PomeriumToken.pomerium(request.isSignInRequired() ? Testbed.TOKEN : "stale-token");
    };
    try (Tunnel tunnel = dialer(testbed.factory().tokenSource(source)).open(route())) {
      assertEquals(route(), tunnel.route());
    }
    assertEquals(2, asked.size());
    assertFalse(asked.get(0).isSignInRequired());
    assertTrue(asked.get(1).isSignInRequired());
    assertEquals(status, asked.get(1).rejectionStatus());
    assertEquals(PomeriumToken.pomerium("stale-token"), asked.get(1).rejectedToken().orElseThrow());
    List<RecordedConnect> requests = testbed.gateway.requests();
    assertEquals(2, requests.size());
    assertEquals("Pomerium stale-token", requests.get(0).authorization());
    assertEquals("Pomerium " + Testbed.TOKEN, requests.get(1).authorization());
  }

  @ParameterizedTest
  @ValueSource(ints = {302, 401})
  void aSecondSignInRequestIsNeverRetried(int status) {
    testbed.gateway.enqueue(GatewayResponse.status(status));
    testbed.gateway.enqueue(GatewayResponse.status(status));
    AtomicInteger calls = new AtomicInteger();
    TokenSource source = request -> PomeriumToken.pomerium("token-" + calls.incrementAndGet());
    PomeriumException e = failure(testbed.factory().tokenSource(source));
    assertInstanceOf(PomeriumSignInRequiredException.class, e);
    assertTrue(e.getMessage().contains("a freshly obtained token was rejected too"), e.getMessage());
    assertEquals(2, calls.get());
    assertEquals(2, testbed.gateway.requestCount());
  }

  @Test
  void aRejectedStaticTokenIsNotRetried() {
    PomeriumException e = failure(testbed.factory().token("expired-token"));
    assertInstanceOf(PomeriumSignInRequiredException.class, e);
    assertEquals(401, e.statusCode());
    assertTrue(e.getMessage().contains("requires sign-in for git.corp.example.com:22 (HTTP 401)"), e.getMessage());
    assertTrue(e.getMessage().contains("has no newer one"), e.getMessage());
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void withoutATokenTheRequestHasNoAuthorizationAndSignInIsRequired() throws Exception {
    PomeriumException e = failure(testbed.factory().tokenSource(TokenSource.none()));
    assertInstanceOf(PomeriumSignInRequiredException.class, e);
    assertEquals(302, e.statusCode());
    assertTrue(e.getMessage().contains("no token was configured"), e.getMessage());
    assertNull(testbed.gateway.takeRequest(Duration.ofSeconds(1)).authorization());
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void aTokenSourceFailureIsReportedWithoutDialling() {
    PomeriumException e = failure(testbed.factory().tokenSource(request -> {
      throw new IOException("token helper exited with status 1");
    }));
    assertTrue(e.getMessage().contains("could not get a token for Pomerium at localhost:"), e.getMessage());
    assertTrue(e.getMessage().contains("token helper exited with status 1"), e.getMessage());
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void garbageInsteadOfAnHttpAnswerIsAProtocolError() {
    testbed.gateway.setFault(Fault.rawResponse("garbage\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    PomeriumException e = failure(testbed.factory());
    assertInstanceOf(PomeriumProtocolException.class, e);
    assertTrue(e.getMessage().contains("sent an invalid answer to CONNECT git.corp.example.com:22"), e.getMessage());
  }

  @Test
  void anOversizedResponseHeadIsRefusedAtTheLimit() {
    testbed.gateway.setFault(Fault.oversizedHeader(64 * 1024));
    PomeriumException e = failure(testbed.factory());
    assertTrue(e.getMessage().contains("head larger than 16384 bytes"), e.getMessage());
  }

  @Test
  void aResetDuringTheResponseHeadIsReported() {
    testbed.gateway.setFault(Fault.resetDuringHead());
    PomeriumException e = failure(testbed.factory());
    assertInstanceOf(PomeriumProtocolException.class, e);
  }

  static Stream<Fault> slowAnswers() {
    return Stream.of(Fault.stall(), Fault.headersNeverEnd());
  }

  /** A gateway that never answers, or trickles headers forever, is cut off at the deadline, not per read. */
  @ParameterizedTest
  @MethodSource("slowAnswers")
  void aGatewayThatDoesNotFinishItsAnswerFailsWithinTheResponseTimeout(Fault slow) {
    testbed.gateway.setFault(slow);
    long start = System.nanoTime();
    PomeriumException e = failure(testbed.factory().responseTimeout(Duration.ofMillis(700)));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertInstanceOf(PomeriumProtocolException.class, e);
    assertTrue(e.getMessage().contains("within the response timeout (700 ms)"), e.getMessage());
    assertTrue(elapsed.compareTo(Duration.ofSeconds(5)) < 0, "took " + elapsed);
  }

  @Test
  void aClosedPortIsUnreachable() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Route closed = Route.parse(ROUTE_NAME.destination(), "https://localhost:" + port);
    PomeriumException e = assertThrows(PomeriumException.class, () -> dialer(testbed.factory()).open(closed));
    assertInstanceOf(PomeriumUnreachableException.class, e);
    assertTrue(e.getMessage().startsWith("cannot reach Pomerium at localhost:" + port
        + " (for git.corp.example.com:22)"), e.getMessage());
  }

  @Test
  void anUntrustedCertificateFailsTlsAndPointsAtAddingTheCa() {
    PomeriumSshSessionFactory.Builder untrusting = PomeriumSshSessionFactory.builder()
        .route(Testbed.HOST + ":22").token(Testbed.TOKEN);
    PomeriumException e = failure(untrusting);
    assertInstanceOf(PomeriumTlsException.class, e);
    assertTrue(e.getMessage().contains("TLS handshake with Pomerium at localhost:" + testbed.gateway.port()),
        e.getMessage());
    assertTrue(e.getMessage().contains("add its certificate"), e.getMessage());
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void aCertificateForAnotherHostNameIsRejectedEvenFromATrustedCa() throws Exception {
    restartTestbed("other-name", gateway -> gateway.hostNames("pomerium.example.test"));
    Route viaLocalhost = Route.parse(ROUTE_NAME.destination(), "https://localhost:" + testbed.gateway.port());
    PomeriumException e = assertThrows(PomeriumException.class,
        () -> dialer(testbed.factory()).open(viaLocalhost));
    assertInstanceOf(PomeriumTlsException.class, e);
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void disablingTlsVerificationIsExplicitAcceptsAnyCertificateAndWarnsAtEveryConnection() throws Exception {
    PomeriumSshSessionFactory.Builder insecure = PomeriumSshSessionFactory.builder()
        .route(Testbed.HOST + ":22").token(Testbed.TOKEN).disableTlsVerification();
    TunnelDialer dialer = dialer(insecure);
    try (CapturedLog log = new CapturedLog()) {
      dialer.open(route()).close();
      dialer.open(route()).close();
      assertEquals(2, log.count("WARN " + PomeriumLoggers.TLS + " - TLS verification is "
          + "disabled for Pomerium at localhost:" + testbed.gateway.port()), log.text());
      assertFalse(log.text().contains(Testbed.TOKEN), log.text());
    }
  }

  @Test
  void noTokenReachesTheLogEvenAtDebugLevel() throws Exception {
    testbed.gateway.enqueue(GatewayResponse.redirectToSignIn());
    AtomicInteger n = new AtomicInteger();
    TokenSource source =
        request -> PomeriumToken.pomerium(n.incrementAndGet() == 1 ? "stale-secret-jwt" : Testbed.TOKEN);
    try (CapturedLog log = new CapturedLog()) {
      dialer(testbed.factory().tokenSource(source)).open(route()).close();
      testbed.gateway.enqueue(GatewayResponse.forbidden());
      assertThrows(PomeriumException.class, () -> dialer(testbed.factory()).open(route()));
      assertTrue(log.text().contains("asks for sign-in"), log.text());
      assertFalse(log.text().contains(Testbed.TOKEN), log.text());
      assertFalse(log.text().contains("stale-secret-jwt"), log.text());
    }
  }

  @Test
  void aClientCertificateIsPresentedWhenPomeriumRequiresOne() throws Exception {
    restartTestbed("mtls", gateway -> gateway.requireClientCertificate(true));
    Path cert = dir.resolve("client.pem");
    Path key = dir.resolve("client-key.pem");
    testbed.gateway.issueClientCertificate("build-agent").writeTo(cert, key);

    PomeriumTlsException none = assertThrows(PomeriumTlsException.class,
        () -> dialer(testbed.factory()).open(route()).close());
    assertTrue(none.clientCertificateRefused(), none.toString());
    assertTrue(none.getMessage().startsWith("Pomerium at localhost:" + testbed.gateway.port() + " asked for a client "
        + "certificate and none was given (for " + route().destination() + "; TLS: "), none.getMessage());
    try (Tunnel tunnel = dialer(testbed.factory().clientCertificate(cert, key)).open(route())) {
      assertEquals(route(), tunnel.route());
    }
    assertTrue(testbed.gateway.requests().get(testbed.gateway.requestCount() - 1).clientCertificateSubject()
        .contains("build-agent"));
  }

  @Test
  void listenerSeesOpeningSignInOpenedAndFailedInOrder() throws Exception {
    testbed.gateway.enqueue(GatewayResponse.unauthorized());
    List<String> events = new ArrayList<>();
    AtomicInteger n = new AtomicInteger();
    TokenSource source = request -> PomeriumToken.pomerium(n.incrementAndGet() == 1 ? "old" : Testbed.TOKEN);
    PomeriumSshSessionFactory.Builder builder =
        testbed.factory().tokenSource(source).eventListener(new RecordingListener(events));
    try (Tunnel tunnel = dialer(builder).open(route())) {
      assertEquals(List.of("tunnelOpening", "signInRequired 401", "tunnelOpened"), events);
      assertEquals(route(), tunnel.route());
    }
    testbed.gateway.enqueue(GatewayResponse.forbidden());
    assertThrows(PomeriumException.class, () -> dialer(builder).open(route()));
    assertEquals(List.of("tunnelOpening", "signInRequired 401", "tunnelOpened", "tunnelOpening", "tunnelFailed 403"),
        events);
  }
}
