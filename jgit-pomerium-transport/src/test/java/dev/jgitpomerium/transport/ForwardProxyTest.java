package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.FakeForwardProxy;
import dev.jgitpomerium.testkit.RecordedConnect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tunnel reaches Pomerium through a forward proxy: a real clone through the testkit's gateway, with Pomerium's
 * name known only to the proxy (as behind a corporate proxy), for each proxy protocol; and each way a proxy fails is
 * a {@link PomeriumProxyException} naming the proxy and the setting, never its credentials. Real squid and
 * microsocks are in {@code ProxyRefusalBySquidTest} and the command line's {@code CliThroughRealForwardProxiesTest};
 * these fakes make every answer on demand.
 */
class ForwardProxyTest extends TestbedTest {
  private static final String POMERIUM = "pomerium.corp.example.com";
  private static final String PASSWORD = "s3cret-proxy-pass@word";
  private static final String PASSWORD_IN_URL = "s3cret-proxy-pass%40word";

  static {
    NoSecretsInLog.register(PASSWORD);
    NoSecretsInLog.register(PASSWORD_IN_URL);
    // The passwords of the URLs that cannot be parsed, and of the one put where the JVM wants a host name.
    NoSecretsInLog.register("s3cret/x");
    NoSecretsInLog.register("p@s3cret:w/rd");
    NoSecretsInLog.register("alice:s3cret");
  }

  @BeforeEach
  void gatewayNamedAsACorporatePomerium() throws Exception {
    restartTestbed("named", gateway -> gateway.hostNames(POMERIUM));
  }

  private String pomeriumAuthority() {
    return POMERIUM + ":" + testbed.gateway.port();
  }

  private FakeForwardProxy proxy(FakeForwardProxy.Kind kind) throws Exception {
    return FakeForwardProxy.start(kind, Map.of(pomeriumAuthority(), testbed.gateway.address(),
        "127.0.0.1:" + testbed.gateway.port(), testbed.gateway.address()));
  }

  private PomeriumSshSessionFactory.Builder factory() {
    return testbed.factory().pomeriumUrl("https://" + pomeriumAuthority()).responseTimeout(Duration.ofSeconds(5));
  }

  private void cloneThrough(PomeriumSshSessionFactory.Builder builder) throws Exception {
    try (PomeriumSshSessionFactory factory = builder.build(); Git clone = testbed.cloneThrough(factory, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
  }

  private PomeriumProxyException failure(PomeriumSshSessionFactory.Builder builder) throws Exception {
    try (PomeriumSshSessionFactory factory = builder.build()) {
      TransportException e = assertThrows(TransportException.class, () -> Git.lsRemoteRepository()
          .setRemote(Testbed.URI).setTransportConfigCallback(factory).call());
      PomeriumException cause = PomeriumException.causeOf(e).orElseThrow(() -> new AssertionError(e));
      PomeriumProxyException proxyFailure = assertInstanceOf(PomeriumProxyException.class, cause);
      assertFalse(proxyFailure.getMessage().contains("s3cret"), proxyFailure.getMessage());
      return proxyFailure;
    }
  }

  private void assertTunnelOpenedForTheGitHost() throws Exception {
    RecordedConnect connect = testbed.gateway.takeRequest(Duration.ofSeconds(5));
    assertEquals(Testbed.HOST + ":22", connect.target());
    assertEquals(POMERIUM, connect.sniHostName());
  }

  @Test
  void anHttpProxyCarriesTheTunnelWithBasicCredentialsAndOnlyItResolvesPomerium() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireCredentials("alice", PASSWORD)) {
      cloneThrough(factory().forwardProxy("http://alice:" + PASSWORD_IN_URL + "@" + proxy.authority()));
      assertEquals(List.of(new FakeForwardProxy.Request(pomeriumAuthority(), 0, "alice", true)), proxy.requests());
      assertTunnelOpenedForTheGitHost();
    }
  }

  @Test
  void anHttpsProxyIsSpokenToOverTlsCheckedAgainstItsOwnName() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTPS)) {
      cloneThrough(factory().addCaCertificatesPem(proxy.caCertificatePem()).forwardProxy(proxy.url("https")));
      assertEquals(pomeriumAuthority(), proxy.requests().get(0).target());
      assertTunnelOpenedForTheGitHost();

      // An https:// URL for a plain HTTP proxy: it does not speak TLS.
      try (FakeForwardProxy plain = proxy(FakeForwardProxy.Kind.HTTP)) {
        PomeriumProxyException e = failure(factory().forwardProxy("https://" + plain.authority()));
        assertEquals("the proxy at " + plain.authority() + " (from forwardProxy) does not speak TLS (for "
            + Testbed.HOST + ":22); write http:// instead of https:// in forwardProxy", e.getMessage());
      }

      // The certificate names localhost, not 127.0.0.1: the proxy's name is checked as Pomerium's is.
      PomeriumProxyException e = failure(factory().addCaCertificatesPem(proxy.caCertificatePem())
          .forwardProxy("https://" + proxy.authority()));
      assertTrue(e.getMessage().startsWith("TLS handshake with the HTTPS proxy " + proxy.authority()
          + " (from forwardProxy) failed: "), e.getMessage());
      assertEquals(proxy.authority(), e.proxy());
    }
  }

  @Test
  void socks5hSendsPomeriumsNameForTheProxyToResolve() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.SOCKS5).requireCredentials("bob", PASSWORD)) {
      cloneThrough(factory().forwardProxy("socks5h://bob:" + PASSWORD_IN_URL + "@" + proxy.authority()));
      assertEquals(List.of(new FakeForwardProxy.Request(pomeriumAuthority(), 3, "bob", true)), proxy.requests());
      assertTunnelOpenedForTheGitHost();
    }
  }

  @Test
  void socks5ResolvesPomeriumHereAndSendsTheAddress() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.SOCKS5)) {
      cloneThrough(factory().pomeriumUrl("https://127.0.0.1:" + testbed.gateway.port())
          .forwardProxy("socks5://" + proxy.authority()));
      assertEquals(List.of(new FakeForwardProxy.Request("127.0.0.1:" + testbed.gateway.port(), 1, null, true)),
          proxy.requests());
      // socks5:// cannot reach a name only the proxy knows, and says what to write instead.
      PomeriumProxyException e = failure(factory().forwardProxy("socks5://" + proxy.authority()));
      assertEquals("write socks5h:// to let the proxy resolve the name", e.hint().orElseThrow());
    }
  }

  @Test
  void aProxyAskingForAuthenticationFailsNamingTheProxyAndWhereItWasConfigured() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireCredentials("alice", PASSWORD)) {
      PomeriumProxyException e = failure(factory().forwardProxy("http://alice:wrong-s3cret@" + proxy.authority()));
      assertEquals("the proxy " + proxy.authority() + " (from forwardProxy) refused CONNECT " + pomeriumAuthority()
          + " (HTTP 407 Proxy Authentication Required): proxy authentication required (for " + Testbed.HOST
          + ":22); check the credentials in forwardProxy", e.getMessage());
      assertEquals(407, e.proxyStatusCode());
      assertEquals(PomeriumException.NO_STATUS, e.statusCode());

      PomeriumProxyException none = failure(factory().forwardProxy(proxy.url("http")));
      assertEquals("give the proxy's user name and password in forwardProxy (http://user:password@"
          + proxy.authority() + ")", none.hint().orElseThrow());
      assertEquals(0, testbed.gateway.requestCount());
    }
  }

  @Test
  void missingProxyCredentialsAreAskedForInTheEnvironmentNeverInAFlagOrSystemProperty() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireCredentials("alice", PASSWORD)) {
      String example = "(http://user:password@" + proxy.authority() + ")";
      PomeriumProxyException flag = failure(factory().forwardProxy(proxy.url("http"), "--forward-proxy"));
      assertEquals("give the proxy's user name and password in the environment variable JGIT_POMERIUM_FORWARD_PROXY "
          + example + " instead of --forward-proxy (which takes precedence over it and shows in process listings)",
          flag.hint().orElseThrow());
      PomeriumProxyException environment = failure(factory().environment(Map.of("HTTPS_PROXY",
          proxy.url("http"))::get));
      assertEquals("give the proxy's user name and password in HTTPS_PROXY " + example,
          environment.hint().orElseThrow());
      PomeriumProxyException wrong = failure(factory().environment(Map.of("HTTPS_PROXY",
          "http://alice:wrong-s3cret@" + proxy.authority())::get));
      assertEquals("check the credentials in HTTPS_PROXY", wrong.hint().orElseThrow());

      // The JDK has no proxy credentials for CONNECT: the hint points to the environment variable, not a property.
      PomeriumProxyException jvm = withJvmProxy("127.0.0.1", proxy.port(), () -> failure(factory()));
      assertEquals("give the proxy's user name and password in the environment variable JGIT_POMERIUM_FORWARD_PROXY "
          + example + ", which takes precedence", jvm.hint().orElseThrow());
      // Following the old advice (credentials in https.proxyHost) is refused without showing them.
      PomeriumProxyException inHost = withJvmProxy("alice:s3cret@127.0.0.1", proxy.port(), () -> failure(factory()));
      assertEquals("https.proxyHost cannot be used: it holds '***@127.0.0.1', not a host name (for " + Testbed.HOST
          + ":22); set it to the proxy's host name only, and give the proxy's user name and password in the"
          + " environment variable JGIT_POMERIUM_FORWARD_PROXY (http://user:password@host:port), which takes"
          + " precedence", inHost.getMessage());
    }
  }

  @Test
  void aProxyOfferingOnlyNtlmOrNegotiateSaysSoAndNamesARelay() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireAuthentication("NTLM", "Negotiate")) {
      PomeriumProxyException e = failure(factory().forwardProxy("http://alice:s3cret@" + proxy.authority()));
      assertEquals("the proxy " + proxy.authority() + " (from forwardProxy) refused CONNECT " + pomeriumAuthority()
          + " (HTTP 407 Proxy Authentication Required): the proxy asks for NTLM or Negotiate authentication, which"
          + " jgit-pomerium does not support (for " + Testbed.HOST + ":22); point forwardProxy at a local relay that"
          + " authenticates for you, such as cntlm or px", e.getMessage());
      assertEquals(407, e.proxyStatusCode());
    }
  }

  @Test
  void theSignInRequestFailingAtTheProxyIsTheSameProxyFailureAsTheTunnels() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireCredentials("alice", PASSWORD);
        PomeriumSshSessionFactory factory = testbed.signInFactory().pomeriumUrl("https://" + pomeriumAuthority())
            .forwardProxy(proxy.url("http")).build()) {
      PomeriumEndpoint endpoint = PomeriumEndpoint.of(POMERIUM, testbed.gateway.port());
      PomeriumProxyException e = assertThrows(PomeriumProxyException.class, () -> factory.signIn(endpoint));
      assertEquals("the proxy " + proxy.authority() + " (from forwardProxy) refused CONNECT " + pomeriumAuthority()
          + " (HTTP 407 Proxy Authentication Required): proxy authentication required (for " + pomeriumAuthority()
          + "); give the proxy's user name and password in forwardProxy (http://user:password@" + proxy.authority()
          + ")", e.getMessage());
      assertEquals(407, e.proxyStatusCode());
      assertEquals(0, testbed.browser.opened());
    }
  }

  @Test
  void aProxyThatCannotReachPomeriumSaysSo() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).refuseWith(502)) {
      PomeriumProxyException e = failure(factory().forwardProxy(proxy.url("http")));
      assertTrue(e.what().startsWith("the proxy " + proxy.authority() + " (from forwardProxy) could not reach"
          + " Pomerium at " + pomeriumAuthority() + " (HTTP 502"), e.getMessage());
      assertTrue(e.hint().orElseThrow().contains("NO_PROXY"), e.getMessage());
    }
  }

  @Test
  void socks5ReplyCodesAreReportedInWords() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.SOCKS5).socksReply(1)) {
      // microsocks answers a name it cannot resolve with a general failure.
      PomeriumProxyException e = failure(factory().forwardProxy("socks5h://" + proxy.authority()));
      assertEquals("the SOCKS5 proxy " + proxy.authority() + " (from forwardProxy) could not connect to Pomerium at "
          + pomeriumAuthority() + ": general failure (SOCKS5 reply 1) (for " + Testbed.HOST + ":22); check that the"
          + " proxy can resolve and reach " + pomeriumAuthority() + ", or put Pomerium's host in NO_PROXY if it is"
          + " reached directly", e.getMessage());
    }
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.SOCKS5).socksReply(2)) {
      PomeriumProxyException e = failure(factory().forwardProxy("socks5h://" + proxy.authority()));
      assertTrue(e.what().startsWith("the SOCKS5 proxy " + proxy.authority() + " (from forwardProxy) could not"
          + " connect to Pomerium at " + pomeriumAuthority() + ": not allowed by its ruleset (SOCKS5 reply 2)"),
          e.getMessage());
    }
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.SOCKS5).requireCredentials("bob", PASSWORD)) {
      PomeriumProxyException e = failure(factory().forwardProxy("socks5h://bob:wrong-s3cret@" + proxy.authority()));
      assertTrue(e.getMessage().contains("rejected the user name and password"), e.getMessage());
    }
  }

  @Test
  void aProxyThatNeverAnswersFailsWithinTheResponseTimeout() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).silent()) {
      long start = System.nanoTime();
      PomeriumProxyException e = failure(factory().responseTimeout(Duration.ofMillis(700))
          .forwardProxy(proxy.url("http")));
      assertEquals("the proxy " + proxy.authority() + " (from forwardProxy) did not answer CONNECT "
          + pomeriumAuthority() + " within the response timeout (700 ms) (for " + Testbed.HOST + ":22)",
          e.getMessage());
      assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
    }
  }

  @Test
  void anUnreachableProxyIsAProxyFailureNotAnUnreachablePomerium() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    PomeriumProxyException e = failure(factory().forwardProxy("http://127.0.0.1:" + closed));
    assertTrue(e.what().startsWith("cannot reach the proxy 127.0.0.1:" + closed + " (from forwardProxy): "),
        e.getMessage());
  }

  @Test
  void httpsProxyFromTheEnvironmentIsUsedUnlessNoProxyNamesPomerium() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP)) {
      Map<String, String> env = Map.of("https_proxy", proxy.url("http"));
      cloneThrough(factory().environment(env::get));
      assertEquals(1, proxy.requests().size());
      assertTunnelOpenedForTheGitHost();

      UnaryOperator<String> bypassed = Map.of("HTTPS_PROXY", proxy.url("http"), "NO_PROXY", "localhost,.example.com")
          ::get;
      try (PomeriumSshSessionFactory factory = factory().environment(bypassed).build()) {
        TransportException e = assertThrows(TransportException.class, () -> Git.lsRemoteRepository()
            .setRemote(Testbed.URI).setTransportConfigCallback(factory).call());
        // Directly, Pomerium's name does not resolve: only the proxy knows it; the message says why it was direct.
        PomeriumUnreachableException direct = assertInstanceOf(PomeriumUnreachableException.class,
            PomeriumException.causeOf(e).orElseThrow());
        assertEquals("cannot reach Pomerium at " + pomeriumAuthority() + " (for " + Testbed.HOST + ":22): unknown host "
            + POMERIUM + " (connected directly: NO_PROXY entry '.example.com' matches; HTTPS_PROXY not used)",
            direct.getMessage());
      }
      assertEquals(1, proxy.requests().size());

      // forwardProxy("direct") wins over the environment.
      try (PomeriumSshSessionFactory factory = factory().environment(env::get).forwardProxy("direct").build()) {
        assertThrows(TransportException.class, () -> Git.lsRemoteRepository()
            .setRemote(Testbed.URI).setTransportConfigCallback(factory).call());
      }
      assertEquals(1, proxy.requests().size());
    }
  }

  @Test
  void theSignInRequestGoesThroughTheSameProxyAsTheTunnel() throws Exception {
    restartTestbed("signin", gateway -> { }); // named localhost, which the fake browser can reach directly
    String pomerium = "localhost:" + testbed.gateway.port();
    try (FakeForwardProxy proxy = FakeForwardProxy.start(FakeForwardProxy.Kind.SOCKS5,
        Map.of(pomerium, testbed.gateway.address()))) {
      cloneThrough(testbed.signInFactory().pomeriumUrl("https://" + pomerium)
          .forwardProxy("socks5h://" + proxy.authority()));
      assertEquals(1, testbed.browser.opened());
      assertTrue(testbed.gateway.loginApiCount() >= 1);
      // Every tunnel attempt (the one turned away for sign-in, the one that worked) and the login API call.
      assertTrue(proxy.requests().size() >= testbed.gateway.requestCount() + testbed.gateway.loginApiCount(),
          proxy.requests() + " for " + testbed.gateway.requestCount() + " CONNECTs and "
              + testbed.gateway.loginApiCount() + " login API calls");
      assertTrue(proxy.requests().stream().allMatch(r -> r.target().equals(pomerium) && r.addressType() == 3));
    }
  }

  @Test
  void theJvmsHttpsProxyHostIsUsedBeforeTheEnvironment() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP);
        FakeForwardProxy environmentProxy = proxy(FakeForwardProxy.Kind.HTTP)) {
      String host = System.getProperty("https.proxyHost");
      String port = System.getProperty("https.proxyPort");
      System.setProperty("https.proxyHost", "127.0.0.1");
      System.setProperty("https.proxyPort", Integer.toString(proxy.port()));
      try {
        cloneThrough(factory().environment(Map.of("HTTPS_PROXY", environmentProxy.url("http"))::get));
      } finally {
        restore("https.proxyHost", host);
        restore("https.proxyPort", port);
      }
      assertEquals(1, proxy.requests().size());
      assertEquals(List.of(), environmentProxy.requests());
    }
  }

  /** {@code body} run with {@code https.proxyHost} and {@code https.proxyPort} set, then restored. */
  private static <T> T withJvmProxy(String host, int port, java.util.concurrent.Callable<T> body) throws Exception {
    String oldHost = System.getProperty("https.proxyHost");
    String oldPort = System.getProperty("https.proxyPort");
    System.setProperty("https.proxyHost", host);
    System.setProperty("https.proxyPort", Integer.toString(port));
    try {
      return body.call();
    } finally {
      restore("https.proxyHost", oldHost);
      restore("https.proxyPort", oldPort);
    }
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }

  @Test
  void aForwardProxyThatIsNoUrlIsRefusedAtOnceWithoutItsPassword() {
    PomeriumSshSessionFactory.Builder b = PomeriumSshSessionFactory.builder();
    IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
        () -> b.forwardProxy("socks4://u:s3cret@proxy:1080"));
    assertEquals("unsupported proxy scheme 'socks4' in 'socks4://***@proxy:1080': use http://, https://, socks5:// or"
        + " socks5h://", scheme.getMessage());
    IllegalArgumentException host = assertThrows(IllegalArgumentException.class,
        () -> b.forwardProxy("http://u:s3cret@:3128"));
    assertEquals("the proxy URL 'http://***@:3128' names no host", host.getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.forwardProxy(" "));
    // Whatever the password holds unencoded, no part of it is shown.
    IllegalArgumentException slash = assertThrows(IllegalArgumentException.class,
        () -> b.forwardProxy("http://alice:s3cret/x@127.0.0.1:3129", "--forward-proxy"));
    assertEquals("the user name or password in proxy URL 'http://***@127.0.0.1:3129' holds a '/', '?' or '#':"
        + " percent-encode them (%2F, %3F, %23)", slash.getMessage());
  }

  @Test
  void anEnvironmentProxyThatIsNoUrlFailsTheConnectionWithoutAnyPartOfItsPassword() throws Exception {
    PomeriumProxyException e = failure(factory().environment(Map.of("HTTPS_PROXY",
        "http://bob:p@s3cret:w/rd%x@127.0.0.1:3129")::get));
    assertEquals("HTTPS_PROXY cannot be used: the user name or password in proxy URL 'http://***@127.0.0.1:3129'"
        + " holds a '/', '?' or '#': percent-encode them (%2F, %3F, %23) (for " + Testbed.HOST + ":22); set it to a"
        + " proxy URL (http://, https://, socks5:// or socks5h://host:port) or unset it", e.getMessage());
  }
}
