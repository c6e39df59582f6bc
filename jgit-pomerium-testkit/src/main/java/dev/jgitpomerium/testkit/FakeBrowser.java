package dev.jgitpomerium.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for the person's browser that a client opens on Pomerium's sign-in URL.
 *
 * <p>Tests and the demo hand it the URL a client would open; it GETs the URL and follows the
 * redirects itself, from the gateway's HTTPS sign-in page to the client's plain-HTTP loopback
 * callback, as a browser does. That way the whole login runs in-process, with no real browser and
 * no identity provider. It has no cookies, runs no scripts and goes direct, unless it is given an
 * HTTP proxy for https URLs (as a browser behind a corporate proxy; the loopback callback is
 * always direct).
 *
 * <p>Each request gets 10 s for the whole answer, bodies are read up to 1 MiB and decoded as
 * UTF-8, and at most 10 redirects are followed. Logged URLs have their {@code pomerium_jwt} value
 * replaced by {@code <redacted>}.
 */
public final class FakeBrowser {
  private static final Logger LOG = LoggerFactory.getLogger(FakeBrowser.class);

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_BODY_BYTES = 1024 * 1024;
  private static final AtomicInteger VISITS = new AtomicInteger();

  private FakeBrowser() {}

  /**
   * Visits {@code url} trusting {@code gateway}'s CA, the usual case: the URL is a sign-in URL on
   * that gateway. Its first host name must resolve to 127.0.0.1, as the default {@code localhost}
   * does, since the JDK client has no way to pin an address.
   */
  public static Result visit(String url, PomeriumGateway gateway)
      throws IOException, InterruptedException {
    return visit(url, Objects.requireNonNull(gateway, "gateway").clientSslContext());
  }

  /**
   * GETs {@code url} and follows redirects (across https to http, at most 10) until a response
   * that is not a redirect, which is returned whatever its status.
   *
   * @param tls used for https URLs, e.g. {@link PomeriumGateway#clientSslContext()}; null means
   *     the JDK's default trust
   * @throws IOException if a request fails or times out, or there are more than 10 redirects
   */
  public static Result visit(String url, SSLContext tls) throws IOException, InterruptedException {
    return visit(url, tls, Proxy.NO_PROXY);
  }

  /**
   * Like {@link #visit(String, SSLContext)}, with https URLs fetched through {@code httpsProxy} (an HTTP proxy, which
   * gets {@code CONNECT host:port} with the URL's host name unresolved) and plain http ones, such as the client's
   * loopback callback, directly.
   */
  public static Result visit(String url, SSLContext tls, Proxy httpsProxy)
      throws IOException, InterruptedException {
    Objects.requireNonNull(httpsProxy, "httpsProxy");
    URI current;
    try {
      current = URI.create(Objects.requireNonNull(url, "url"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a URL: " + Urls.redact(url), e);
    }
    VISITS.incrementAndGet();
    List<String> visited = new ArrayList<>();
    for (int redirects = 0; ; redirects++) {
      if (Thread.interrupted()) {
        throw new InterruptedException("FakeBrowser visit interrupted");
      }
      visited.add(current.toString());
      // HttpURLConnection rather than java.net.http: JDK 17's HttpClient keeps a selector thread per client alive
      // until garbage collection, which a test that checks for leftover threads would see.
      HttpURLConnection connection = (HttpURLConnection) current.toURL()
          .openConnection("https".equalsIgnoreCase(current.getScheme()) ? httpsProxy : Proxy.NO_PROXY);
      if (connection instanceof HttpsURLConnection https && tls != null) {
        https.setSSLSocketFactory(tls.getSocketFactory());
      }
      connection.setInstanceFollowRedirects(false);
      connection.setConnectTimeout((int) TIMEOUT.toMillis());
      connection.setReadTimeout((int) TIMEOUT.toMillis());
      connection.setRequestProperty("User-Agent", "jgit-pomerium-testkit FakeBrowser");
      connection.setRequestProperty("Accept", "text/html,text/plain,*/*");
      connection.setRequestProperty("Connection", "close");
      int status;
      String location;
      String body;
      try {
        status = connection.getResponseCode();
        location = connection.getHeaderField("Location");
        body = readBody(status >= 400 ? connection.getErrorStream() : connection.getInputStream());
      } catch (IOException e) {
        throw new IOException("GET " + Urls.redact(current.toString()) + " failed: "
            + Urls.redact(String.valueOf(e)), e);
      } finally {
        connection.disconnect();
      }
      LOG.debug("FakeBrowser GET {} -> {}{}", Urls.redact(current.toString()), status,
          location == null ? "" : " Location: " + Urls.redact(location));
      if (!isRedirect(status) || location == null) {
        return new Result(current.toString(), status, body, visited);
      }
      if (redirects == MAX_REDIRECTS) {
        throw new IOException("more than " + MAX_REDIRECTS + " redirects, the last to " + Urls.redact(location));
      }
      try {
        current = current.resolve(location);
      } catch (IllegalArgumentException e) {
        throw new IOException("bad redirect location " + Urls.redact(location), e);
      }
    }
  }

  /** Reads a body as UTF-8 text, failing instead of buffering more than 1 MiB. */
  private static String readBody(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        throw new IOException("response body larger than " + MAX_BODY_BYTES + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** Where a visit ended and how it got there. */
  public static final class Result {
    private final String finalUrl;
    private final int status;
    private final String body;
    private final List<String> visitedUrls;

    Result(String finalUrl, int status, String body, List<String> visitedUrls) {
      this.finalUrl = finalUrl;
      this.status = status;
      this.body = body;
      this.visitedUrls = List.copyOf(visitedUrls);
    }

    /**
     * The URL of the last response, e.g. the loopback callback with its {@code pomerium_jwt}; it
     * carries the token, so do not log it.
     */
    public String finalUrl() {
      return finalUrl;
    }

    /** The status of the last response, the one that was not a redirect. */
    public int status() {
      return status;
    }

    /** The body of the last response as UTF-8 text. */
    public String body() {
      return body;
    }

    /** Every URL requested, the first and {@link #finalUrl()} included, in order. */
    public List<String> visitedUrls() {
      return visitedUrls;
    }

    /** Status and final URL with any token redacted, safe for assertion messages and logs. */
    @Override
    public String toString() {
      return "FakeBrowser.Result{" + status + " " + Urls.redact(finalUrl) + "}";
    }
  }
}
