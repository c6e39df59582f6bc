package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Count;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /.pomerium/} pages of {@link PomeriumGateway}: Pomerium's programmatic login API, and the sign-in page
 * that stands in for the identity provider (it mints a token and redirects to the client's loopback URI with it).
 * One request per connection; every other path answers 404.
 */
final class SignInPages {
  /** The gateway's logger, so that one log setting covers the whole gateway. */
  private static final Logger LOG = LoggerFactory.getLogger(PomeriumGateway.class);

  private static final String LOGIN_API_PATH = "/.pomerium/api/v1/login";
  private static final String SIGN_IN_PATH = "/.pomerium/sign_in";
  private static final String REDIRECT_PARAMETER = "pomerium_redirect_uri";
  private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

  /** A request body up to this size is read and dropped, so closing does not reset the peer. */
  private static final int MAX_DISCARDED_BODY_BYTES = 64 * 1024;

  private final GatewayPolicy policy;
  private final String gatewayUrl;
  private final int port;
  private final long signInDelayNanos;
  private final List<String> httpRequestLines = new ArrayList<>(); // guarded by itself
  private final AtomicInteger loginApiCalls = new AtomicInteger();
  private final Count inProgress = new Count();
  private final CountDownLatch closed = new CountDownLatch(1);
  /** Open unless the builder held sign-ins; {@link #releaseSignIns()} and {@link #close()} open it. */
  private final CountDownLatch released;

  SignInPages(GatewayPolicy policy, String gatewayUrl, int port, Duration signInDelay, boolean holdSignIns) {
    this.policy = policy;
    this.gatewayUrl = gatewayUrl;
    this.port = port;
    this.signInDelayNanos = saturatedNanos(signInDelay);
    this.released = new CountDownLatch(holdSignIns ? 1 : 0);
  }

  List<String> httpRequestLines() {
    synchronized (httpRequestLines) {
      return List.copyOf(httpRequestLines);
    }
  }

  int loginApiCount() {
    return loginApiCalls.get();
  }

  /** Sign-in requests that arrived and have not been answered yet. */
  Count inProgress() {
    return inProgress;
  }

  void releaseSignIns() {
    released.countDown();
  }

  /** Ends every wait of a sign-in at once; they answer no one. */
  void close() {
    closed.countDown();
    released.countDown();
    inProgress.stopWaits();
  }

  /** Answers one {@code /.pomerium/} request and lets the caller close the connection. */
  void serve(RequestHead request, InputStream in, OutputStream out) throws IOException {
    synchronized (httpRequestLines) {
      httpRequestLines.add(request.requestLine);
    }
    LOG.debug("PomeriumGateway {} received {}", port, Urls.redact(request.requestLine));
    discardBody(request, in);
    String target = Urls.originForm(request.target);
    String path = Urls.path(target);
    String redirectUri = Urls.firstQueryValue(Urls.rawQuery(target), REDIRECT_PARAMETER);
    GatewayResponse response;
    if (!path.equals(LOGIN_API_PATH) && !path.equals(SIGN_IN_PATH)) {
      response = text(404, "404 page not found");
    } else if (!"GET".equals(request.method)) {
      response = text(405, "method not allowed").header("Allow", "GET");
    } else if (path.equals(LOGIN_API_PATH)) {
      response = loginApi(redirectUri);
    } else {
      response = signIn(redirectUri);
      if (response == null) {
        return; // the gateway is closing
      }
    }
    out.write(response.encode());
    out.flush();
  }

  /** Reads a small {@code Content-Length} body so that closing afterwards is orderly. */
  private static void discardBody(RequestHead request, InputStream in) throws IOException {
    String length = request.header("Content-Length");
    if (length == null) {
      return;
    }
    try {
      long n = Long.parseLong(length.strip());
      if (n > 0 && n <= MAX_DISCARDED_BODY_BYTES) {
        in.readNBytes((int) n);
      }
    } catch (NumberFormatException e) {
      // Not a length; the response closes the connection anyway.
    }
  }

  private GatewayResponse loginApi(String redirectUri) {
    loginApiCalls.incrementAndGet();
    if (!Urls.isLoopbackHttp(redirectUri)) {
      return text(400, "invalid redirect uri");
    }
    String signInUrl =
        gatewayUrl
            + SIGN_IN_PATH
            + "?"
            + REDIRECT_PARAMETER
            + "="
            + Urls.encode(redirectUri)
            + "&state="
            + GatewayPolicy.randomUrlSafe(16);
    return text(200, signInUrl);
  }

  /**
   * The identity provider's page, completed without a person: waits the configured delay, mints
   * a token and redirects to the client's loopback URI with it.
   *
   * @return the redirect, or null if the gateway closed during the delay
   */
  private GatewayResponse signIn(String redirectUri) {
    if (!Urls.isLoopbackHttp(redirectUri)) {
      return text(400, "invalid redirect uri");
    }
    String token;
    inProgress.increment();
    try {
      if (closed.await(signInDelayNanos, TimeUnit.NANOSECONDS)) {
        return null;
      }
      released.await(); // close() releases too
      if (closed.getCount() == 0) {
        return null;
      }
      token = policy.mintToken();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      inProgress.decrement();
    }
    String location = Urls.withQueryParameter(redirectUri, Urls.TOKEN_PARAMETER, token);
    LOG.debug("PomeriumGateway {} signed a client in, redirecting to {}", port, Urls.redact(location));
    String link = Urls.escapeHtml(location);
    return GatewayResponse.status(302)
        .header("Location", location)
        .header("Content-Type", "text/html; charset=utf-8")
        .header("Connection", "close")
        .body("<a href=\"" + link + "\">Found</a>.\n");
  }

  /** A one-request-per-connection text answer, as Pomerium's own handlers give. */
  private static GatewayResponse text(int code, String body) {
    return GatewayResponse.status(code)
        .header("Content-Type", TEXT_PLAIN)
        .header("Connection", "close")
        .body(body);
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
