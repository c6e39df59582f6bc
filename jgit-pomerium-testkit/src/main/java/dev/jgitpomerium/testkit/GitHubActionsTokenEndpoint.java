package dev.jgitpomerium.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.jgitpomerium.testkit.internal.Tls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.tls.HeldCertificate;

/**
 * A local stand-in for GitHub Actions' OIDC token endpoint: what {@code ACTIONS_ID_TOKEN_REQUEST_URL} points at in a
 * job with {@code permissions: id-token: write}. An HTTPS server on 127.0.0.1 (its own CA: {@link
 * #caCertificatePem()}) that answers {@code GET <path>?api-version=2.0&audience=<aud>} carrying {@code Authorization:
 * Bearer <request token>} with {@code {"count":..,"value":"<jwt>"}}, a token its {@link #issuer()} signed for that
 * audience ({@code https://github.com/<owner>} without one, as GitHub does), with GitHub's claims for a push to {@code
 * main} of {@link #REPOSITORY}. A missing or wrong request token gets 401. Every request is recorded; {@link
 * #failNext} scripts an error status.
 */
public final class GitHubActionsTokenEndpoint implements AutoCloseable {
  /** The issuer of GitHub's tokens. */
  public static final String ISSUER = "https://token.actions.githubusercontent.com";
  public static final String REPOSITORY = "octo-org/octo-repo";
  public static final String SUBJECT = "repo:" + REPOSITORY + ":ref:refs/heads/main";

  /** One request, as received: the query's audience (null when absent) and whether it carried the request token. */
  public record Request(String pathAndQuery, String audience, boolean authorized) {}

  private final JwtIssuer issuer = new JwtIssuer(ISSUER);
  private final String requestToken = "ghs-request-" + GatewayPolicy.randomUrlSafe(24);
  private final HeldCertificate ca;
  private final HttpsServer server;
  private final ExecutorService executor;
  private final List<Request> requests = new ArrayList<>();
  private final ConcurrentLinkedQueue<Integer> failures = new ConcurrentLinkedQueue<>();

  private GitHubActionsTokenEndpoint(List<String> certificateNames) throws IOException {
    Instant now = Instant.now();
    ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("testkit GitHub token endpoint CA")
        .serialNumber(Tls.randomSerial())
        .validityInterval(now.minus(Duration.ofHours(1)).toEpochMilli(), now.plus(Duration.ofDays(1)).toEpochMilli())
        .build();
    HeldCertificate.Builder leafBuilder = new HeldCertificate.Builder().commonName(certificateNames.get(0))
        .serialNumber(Tls.randomSerial()).signedBy(ca)
        .validityInterval(now.minus(Duration.ofHours(1)).toEpochMilli(), now.plus(Duration.ofDays(1)).toEpochMilli());
    certificateNames.forEach(leafBuilder::addSubjectAlternativeName);
    HeldCertificate leaf = leafBuilder.build();
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(Tls.context(leaf.keyPair().getPrivate(),
        new X509Certificate[] {leaf.certificate(), ca.certificate()}, null)));
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "github-token-endpoint-" + server.getAddress().getPort());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts the endpoint on 127.0.0.1, on a port the system picks. */
  public static GitHubActionsTokenEndpoint start() throws IOException {
    return new GitHubActionsTokenEndpoint(List.of("127.0.0.1", "localhost"));
  }

  /**
   * As {@link #start()}, with a certificate (from the same CA) for {@code name} only: a client reaching it at
   * 127.0.0.1 sees a hostname mismatch, as behind a proxy that answers for the wrong host.
   */
  public static GitHubActionsTokenEndpoint startWithCertificateFor(String name) throws IOException {
    return new GitHubActionsTokenEndpoint(List.of(name));
  }

  /** What {@code ACTIONS_ID_TOKEN_REQUEST_URL} holds: an https URL that already has a query, as GitHub's has. */
  public String requestUrl() {
    return "https://127.0.0.1:" + server.getAddress().getPort()
        + "/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/1/jobs/2/idtoken"
        + "?api-version=2.0";
  }

  /** What {@code ACTIONS_ID_TOKEN_REQUEST_TOKEN} holds: the only bearer token the endpoint accepts. */
  public String requestToken() {
    return requestToken;
  }

  /** Both variables, as the runner sets them for a job with {@code permissions: id-token: write}. */
  public Map<String, String> environment() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("ACTIONS_ID_TOKEN_REQUEST_URL", requestUrl());
    environment.put("ACTIONS_ID_TOKEN_REQUEST_TOKEN", requestToken);
    return environment;
  }

  /** The CA certificate, PEM, that the endpoint's certificate chains to. */
  public String caCertificatePem() {
    return ca.certificatePem();
  }

  /** The issuer that signs its tokens: give it to {@link PomeriumGateway.Builder#trustJwtIssuer}. */
  public JwtIssuer issuer() {
    return issuer;
  }

  /** The next request is answered with {@code status} and a small JSON error, whatever it carries. */
  public void failNext(int status) {
    failures.add(status);
  }

  /** The requests received so far, in order. */
  public List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      String audience = null;
      for (String pair : query == null ? new String[0] : query.split("&")) {
        if (pair.startsWith("audience=")) {
          audience = URLDecoder.decode(pair.substring("audience=".length()), StandardCharsets.UTF_8);
        }
      }
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      boolean authorized = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
          && authorization.substring(7).equals(requestToken);
      synchronized (requests) {
        requests.add(new Request(exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query),
            audience, authorized));
      }
      Integer failure = failures.poll();
      if (failure != null) {
        respond(exchange, failure, "{\"message\":\"scripted failure\"}");
      } else if (!authorized || !"GET".equals(exchange.getRequestMethod())) {
        respond(exchange, 401, "{\"message\":\"Bad credentials\"}");
      } else {
        String aud = audience != null ? audience : "https://github.com/octo-org";
        String jwt = issuer.mint(SUBJECT, aud, Instant.now().plusSeconds(300),
            Map.of("repository", REPOSITORY, "ref", "refs/heads/main", "event_name", "push"));
        respond(exchange, 200, "{\"count\":" + jwt.length() + ",\"value\":\"" + jwt + "\"}");
      }
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
