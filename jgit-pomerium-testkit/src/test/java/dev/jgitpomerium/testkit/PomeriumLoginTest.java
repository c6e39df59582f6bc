package dev.jgitpomerium.testkit;

import static dev.jgitpomerium.testkit.PomeriumGatewayTest.connectRequest;
import static dev.jgitpomerium.testkit.PomeriumGatewayTest.exchange;
import static dev.jgitpomerium.testkit.PomeriumGatewayTest.liveThreads;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PomeriumLoginTest {
  private static final String ROUTE = "git.corp.example.com:22";
  private static final Duration WAIT = Duration.ofSeconds(5);

  @Test
  void loginApiAnswersWithASignInUrlOnTheGatewayOnlyForLoopbackHttpRedirects() throws Exception {
    try (PomeriumGateway gateway = PomeriumGateway.builder().start()) {
      HttpClient client =
          HttpClient.newBuilder()
              .sslContext(gateway.clientSslContext())
              .version(HttpClient.Version.HTTP_1_1)
              .build();
      String redirect = "http://127.0.0.1:4321/callback/abc";

      HttpResponse<String> ok = get(client, loginApiUrl(gateway, redirect));
      assertEquals(200, ok.statusCode());
      assertEquals("text/plain; charset=utf-8", ok.headers().firstValue("Content-Type").get());
      String expectedStart =
          gateway.url()
              + "/.pomerium/sign_in?pomerium_redirect_uri="
              + URLEncoder.encode(redirect, UTF_8)
              + "&state=";
      assertTrue(ok.body().startsWith(expectedStart), ok.body());
      assertTrue(ok.body().matches(".*&state=[A-Za-z0-9_-]{16}"), ok.body());

      for (String allowed : List.of("http://localhost:1/", "http://[::1]:1/cb?x=1")) {
        assertEquals(200, get(client, loginApiUrl(gateway, allowed)).statusCode(), allowed);
      }
      List<String> refused =
          List.of(
              "https://evil.example.com/cb",
              "https://127.0.0.1:4321/callback/abc",
              "http://127.0.0.1@evil.example.com/cb",
              "not a uri");
      for (String uri : refused) {
        HttpResponse<String> bad = get(client, loginApiUrl(gateway, uri));
        assertEquals(400, bad.statusCode(), uri);
        assertEquals("invalid redirect uri", bad.body());
      }
      HttpResponse<String> missing = get(client, gateway.url() + "/.pomerium/api/v1/login");
      assertEquals(400, missing.statusCode());
      assertEquals("invalid redirect uri", missing.body());

      assertEquals(8, gateway.loginApiCount());
      assertEquals(0, gateway.signInCount());
    }
  }

  @Test
  void browserFollowingTheSignInUrlBringsExactlyTheMintedTokenToTheLoopbackCallback()
      throws Exception {
    try (LoopbackCallback callback = LoopbackCallback.start("/callback/abc");
        PomeriumGateway gateway = PomeriumGateway.builder().start()) {
      String redirect = callback.uri() + "?flow=x%20y";
      String signInUrl = signInUrl(gateway, redirect);

      FakeBrowser.Result result = FakeBrowser.visit(signInUrl, gateway);

      assertEquals(200, result.status(), result.toString());
      assertEquals("login complete", result.body());
      assertEquals(signInUrl, result.visitedUrls().get(0));
      assertEquals(2, result.visitedUrls().size());
      assertEquals(1, gateway.signInCount());
      String token = gateway.issuedTokens().get(0);
      assertTrue(token.matches("jwt-1-[A-Za-z0-9_-]{16}"));
      assertEquals(List.of("flow=x%20y&pomerium_jwt=" + token), callback.rawQueries());
      assertEquals(List.of(token), queryValues(callback.rawQueries().get(0), "pomerium_jwt"));
      assertEquals(List.of("x y"), queryValues(callback.rawQueries().get(0), "flow"));
    }
  }

  @Test
  void mintedTokenOpensTunnelsUntilRevokedAndRevokeAllAlsoEndsRequiredTokens() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.echo();
        LoopbackCallback callback = LoopbackCallback.start("/cb");
        PomeriumGateway gateway =
            PomeriumGateway.builder()
                .requireToken("configured")
                .route(ROUTE, upstream.address())
                .start()) {
      FakeBrowser.visit(signInUrl(gateway, callback.uri()), gateway);
      String minted = gateway.issuedTokens().get(0);
      assertEquals("HTTP/1.1 200 OK", connectStatus(gateway, minted));

      gateway.revokeToken(minted);
      assertEquals("HTTP/1.1 401 Unauthorized", connectStatus(gateway, minted));
      assertEquals("HTTP/1.1 200 OK", connectStatus(gateway, "configured"));

      gateway.revokeAllTokens();
      assertEquals("HTTP/1.1 401 Unauthorized", connectStatus(gateway, "configured"));
      assertEquals(
          "HTTP/1.1 302 Found", exchange(gateway, connectRequest(ROUTE, null)).statusLine);

      FakeBrowser.visit(signInUrl(gateway, callback.uri()), gateway);
      List<String> issued = gateway.issuedTokens();
      assertEquals(2, issued.size());
      assertEquals(minted, issued.get(0));
      assertEquals("HTTP/1.1 200 OK", connectStatus(gateway, issued.get(1)));
    }
  }

  @Test
  void signInWaitsItsDelayAndCloseEndsADelayedSignInAtOnce() throws Exception {
    Duration delay = Duration.ofMillis(300);
    try (LoopbackCallback callback = LoopbackCallback.start("/cb")) {
      try (PomeriumGateway gateway = PomeriumGateway.builder().signInDelay(delay).start()) {
        String signInUrl = signInUrl(gateway, callback.uri());
        long start = System.nanoTime();
        assertEquals(200, FakeBrowser.visit(signInUrl, gateway).status());
        assertTrue(System.nanoTime() - start >= delay.toNanos());
      }

      PomeriumGateway gateway =
          PomeriumGateway.builder().signInDelay(Duration.ofMinutes(5)).start();
      ExecutorService browser = Executors.newSingleThreadExecutor();
      try {
        String signInUrl = signInUrl(gateway, callback.uri());
        Future<FakeBrowser.Result> visit =
            browser.submit(() -> FakeBrowser.visit(signInUrl, gateway));
        assertTrue(gateway.awaitSignInsInProgress(1, WAIT));

        long start = System.nanoTime();
        gateway.close();
        Duration closing = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(closing.compareTo(Duration.ofSeconds(2)) < 0, closing.toString());

        ExecutionException failure =
            assertThrows(ExecutionException.class, () -> visit.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, failure.getCause());
        assertEquals(0, gateway.signInsInProgress());
        assertEquals(List.of(), gateway.issuedTokens());
        assertEquals(1, callback.rawQueries().size()); // the first gateway's sign-in only
        assertEquals(List.of(), liveThreads("pomerium-gateway-"));
      } finally {
        gateway.close();
        browser.shutdownNow();
      }
    }
  }

  @Test
  void loginTrafficIsListedApartFromConnectRequests() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.echo();
        LoopbackCallback callback = LoopbackCallback.start("/cb");
        PomeriumGateway gateway =
            PomeriumGateway.builder().route(ROUTE, upstream.address()).start()) {
      FakeBrowser.visit(signInUrl(gateway, callback.uri()), gateway);
      assertEquals(
          "HTTP/1.1 404 Not Found",
          exchange(gateway, httpRequest("GET", "/.pomerium/x")).statusLine);
      assertEquals(
          "HTTP/1.1 405 Method Not Allowed",
          exchange(gateway, httpRequest("POST", "/.pomerium/api/v1/login")).statusLine);

      assertEquals(0, gateway.requestCount());
      List<String> lines = gateway.httpRequestLines();
      assertEquals(4, lines.size(), lines.toString());
      assertTrue(lines.get(0).startsWith("GET /.pomerium/api/v1/login?pomerium_redirect_uri="));
      assertTrue(lines.get(1).startsWith("GET /.pomerium/sign_in?pomerium_redirect_uri="));

      // Everything else is still a tunnel request: recorded, and answered as before.
      assertEquals(
          "HTTP/1.1 405 Method Not Allowed",
          exchange(gateway, httpRequest("GET", "/")).statusLine);
      String token = gateway.issuedTokens().get(0);
      assertEquals("HTTP/1.1 200 OK", connectStatus(gateway, token));
      assertEquals(2, gateway.requestCount());
      assertEquals("CONNECT", gateway.requests().get(1).method());
      assertEquals(4, gateway.httpRequestLines().size());
      assertFalse(gateway.requests().get(0).requestLine().contains(".pomerium"));
    }
  }

  // --- helpers -----------------------------------------------------------------------------

  private static String loginApiUrl(PomeriumGateway gateway, String redirectUri) {
    return gateway.url()
        + "/.pomerium/api/v1/login?pomerium_redirect_uri="
        + URLEncoder.encode(redirectUri, UTF_8);
  }

  /** Asks the login API for a sign-in URL, as a client does before it opens the browser. */
  private static String signInUrl(PomeriumGateway gateway, String redirectUri) throws Exception {
    FakeBrowser.Result answer = FakeBrowser.visit(loginApiUrl(gateway, redirectUri), gateway);
    assertEquals(200, answer.status(), answer.body());
    return answer.body();
  }

  private static String connectStatus(PomeriumGateway gateway, String token) throws IOException {
    return exchange(gateway, connectRequest(ROUTE, "Pomerium " + token)).statusLine;
  }

  private static byte[] httpRequest(String method, String target) {
    return (method
            + " "
            + target
            + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        .getBytes(ISO_8859_1);
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> queryValues(String rawQuery, String name) {
    List<String> values = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      if (URLDecoder.decode(pair.substring(0, eq), UTF_8).equals(name)) {
        values.add(URLDecoder.decode(pair.substring(eq + 1), UTF_8));
      }
    }
    return values;
  }
}
