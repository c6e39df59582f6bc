package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Acceptor;
import dev.jgitpomerium.testkit.internal.Files2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process stand-in for Pomerium's TCP-route endpoint: a TLS server that answers HTTP/1.1 {@code CONNECT} requests
 * the way Pomerium (Envoy plus its authorize service) does, and splices allowed tunnels to a plain TCP upstream.
 *
 * <p>Modelled on OkHttp's {@code MockWebServer}: start it from a builder, point the client at {@link #url()},
 * optionally {@link #enqueue script} answers or {@link #setFault inject faults}, then assert on the {@link
 * RecordedConnect recorded requests}. Everything binds 127.0.0.1 on an ephemeral port, and {@link #close()} closes
 * every socket and ends every thread it started, so tests can check for leaks.
 *
 * <p>Without scripted answers the gateway mirrors Pomerium's status codes: 405 for a method other than CONNECT; 302 to
 * a sign-in page when a token is required and none was sent; 401 for a token that is not accepted; 404 {@code
 * route_not_found} for an authority without a route; 503 when the upstream refuses; otherwise {@code HTTP/1.1 200 OK}
 * and a raw byte stream both ways. As with pomerium-cli and Envoy, the first side to end the stream ends it for both
 * (no half-close).
 *
 * <p>The same port also serves Pomerium's programmatic login, so a client's whole browser login can run in-process:
 * {@code GET /.pomerium/api/v1/login?pomerium_redirect_uri=<loopback http URI>} answers with a sign-in URL on this
 * gateway, and that sign-in page stands in for the identity provider: it mints a fresh token, accepts it from then on,
 * and redirects to the loopback URI with {@code pomerium_jwt=<token>} added. {@link FakeBrowser} follows that URL the
 * way a person's browser would. Other {@code /.pomerium/} paths answer 404. These HTTP requests are one per connection,
 * are listed in {@link #httpRequestLines()} rather than {@link #requests()}, and neither take {@link #enqueue scripted
 * answers} nor suffer faults that act after the request head.
 *
 * <p>Threads are daemons named {@code pomerium-gateway-<role>-<port>[-<connection>]}.
 *
 * <p>This class is the facade: {@code GatewayPolicy} decides what is allowed and what goes wrong, {@code
 * SignInPages} serves the login API and the sign-in page, {@code GatewayConnection} handles one connection (TLS, the
 * request head, the CONNECT and its tunnel), {@code GatewayTls} holds the certificates, and {@code GatewayTraffic}
 * what was received. It is over 400 lines only for the Javadoc of the API tests call.
 */
public final class PomeriumGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PomeriumGateway.class);

  private static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

  private final List<String> hostNames;
  final boolean coalesceUpstreamGreeting;
  final long idleTimeoutNanos;
  final int spliceReadTimeoutMillis;
  final GatewayTls tls;
  final GatewayPolicy policy;
  final GatewayTraffic traffic = new GatewayTraffic();
  final Acceptor acceptor;
  final SignInPages signInPages;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);

  private PomeriumGateway(Builder builder) throws IOException {
    this.hostNames = List.copyOf(builder.hostNames.isEmpty() ? List.of("localhost") : builder.hostNames);
    this.coalesceUpstreamGreeting = builder.coalesceUpstreamGreeting;
    this.idleTimeoutNanos = builder.idleTimeout.toNanos();
    // Checks often enough that a tunnel is cut within a quarter of its idle timeout after it expires.
    this.spliceReadTimeoutMillis = (int) Math.max(10,
        Math.min(GatewayConnection.SPLICE_READ_TIMEOUT_MILLIS, builder.idleTimeout.toMillis() / 4));
    this.policy = new GatewayPolicy(builder.tokens, builder.routes);
    builder.jwtIssuers.forEach(policy::trustJwtIssuer);
    this.tls = new GatewayTls(hostNames, builder.notBefore, builder.notAfter, builder.requireClientCertificate);
    this.acceptor = Acceptor.bind("PomeriumGateway");
    this.signInPages = new SignInPages(policy, url(), port(), builder.signInDelay, builder.holdSignIns);
    acceptor.start("pomerium-gateway-accept-" + port(), (id, raw) -> new GatewayConnection(this, id, raw));
    LOG.debug("PomeriumGateway listening on {} as {}", address(), hostNames);
  }

  /** Starts configuring a gateway. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures a {@link PomeriumGateway} before it binds its port. */
  public static final class Builder {
    private final List<String> hostNames = new ArrayList<>();
    private final Set<String> tokens = new LinkedHashSet<>();
    private final Map<JwtIssuer, List<String>> jwtIssuers = new LinkedHashMap<>();
    private final Map<String, InetSocketAddress> routes = new LinkedHashMap<>();
    private boolean coalesceUpstreamGreeting;
    private boolean requireClientCertificate;
    private Instant notBefore;
    private Instant notAfter;
    private Duration signInDelay = Duration.ZERO;
    private boolean holdSignIns;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

    private Builder() {}

    /**
     * Names the server certificate is valid for (its subject alternative names); the first is used in {@link #url()}.
     * Defaults to {@code localhost}; {@code 127.0.0.1} is always added as an IP SAN so clients can also connect by
     * address with hostname verification on.
     */
    public Builder hostNames(String... names) {
      for (String name : names) {
        hostNames.add(Objects.requireNonNull(name, "name"));
      }
      return this;
    }

    /**
     * Requires {@code Authorization: Pomerium <token>} on every CONNECT. May be called several times; any listed token
     * is accepted. Without a call no token is checked at all, until a sign-in mints one or {@link
     * PomeriumGateway#revokeAllTokens()} is called.
     */
    public Builder requireToken(String token) {
      tokens.add(Objects.requireNonNull(token, "token"));
      return this;
    }

    /**
     * Accepts {@code Authorization: Bearer <jwt>} signed by {@code issuer} for one of {@code audiences}, as a Pomerium
     * route with {@code bearer_token_format: jwt} and an {@code identity_providers} entry for that issuer does: the
     * signature, {@code iss}, {@code aud}, {@code exp} and {@code nbf} are checked, and a token that fails is refused
     * with 403 whose body is the reason in Pomerium's words ({@code token audience does not match any allowed
     * audience}, ...), which {@link PomeriumGateway#bearerRejections()} lists. Tokens are then required on every
     * CONNECT, as with {@link #requireToken}.
     */
    public Builder trustJwtIssuer(JwtIssuer issuer, String... audiences) {
      if (audiences.length == 0) {
        throw new IllegalArgumentException("an identity provider needs at least one audience");
      }
      jwtIssuers.put(Objects.requireNonNull(issuer, "issuer"), List.of(audiences));
      return this;
    }

    /**
     * Routes CONNECTs for {@code authority} ({@code host:port}, matched case-insensitively) to a TCP upstream, like a
     * Pomerium {@code tcp+https://host:port} route with {@code to: tcp://...}.
     */
    public Builder route(String authority, InetSocketAddress upstream) {
      routes.put(Objects.requireNonNull(authority, "authority"), Objects.requireNonNull(upstream, "upstream"));
      return this;
    }

    /**
     * When on, the gateway waits (up to 2 s) for the upstream's first bytes, such as an SSH banner, and sends them in
     * the same write as the 200 head. Clients that read the head with a buffered reader lose those bytes; this makes
     * that bug show up every time instead of rarely.
     */
    public Builder coalesceUpstreamGreeting(boolean on) {
      this.coalesceUpstreamGreeting = on;
      return this;
    }

    /** Requires a TLS client certificate signed by the gateway's CA (mutual TLS). */
    public Builder requireClientCertificate(boolean on) {
      this.requireClientCertificate = on;
      return this;
    }

    /**
     * Validity of the server certificate, for expired or not-yet-valid certificate tests. Defaults to one hour ago
     * until one day from now.
     */
    public Builder certificateValidity(Instant notBefore, Instant notAfter) {
      if (!Objects.requireNonNull(notBefore, "notBefore").isBefore(Objects.requireNonNull(notAfter, "notAfter"))) {
        throw new IllegalArgumentException("notBefore must be before notAfter");
      }
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      return this;
    }

    /**
     * How long the sign-in page takes before it answers (default zero), like a person typing a password: tests use it
     * to make many clients need a token while one login is still in progress. {@link PomeriumGateway#close()} ends the
     * wait at once.
     */
    public Builder signInDelay(Duration delay) {
      if (Objects.requireNonNull(delay, "delay").isNegative()) {
        throw new IllegalArgumentException("delay must not be negative: " + delay);
      }
      this.signInDelay = delay;
      return this;
    }

    /**
     * The sign-in page answers no one until {@link PomeriumGateway#releaseSignIns()} (or close): a test can then start
     * a second client while a login is certainly in progress, however slowly that client starts.
     */
    public Builder holdSignIns() {
      this.holdSignIns = true;
      return this;
    }

    /**
     * Closes a tunnel that carried no byte either way for {@code timeout}, as a Pomerium route's {@code idle_timeout}
     * (Envoy's TCP proxy idle timeout) or a load balancer does. Default: 10 minutes.
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive: " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** Generates the certificates, binds 127.0.0.1 on an ephemeral port and starts accepting. */
    public PomeriumGateway start() throws IOException {
      return new PomeriumGateway(this);
    }
  }

  /** The port the gateway listens on. */
  public int port() {
    return acceptor.port();
  }

  /** {@code https://<first host name>:<port>}, the Pomerium URL a client is configured with. */
  public String url() {
    return "https://" + hostNames.get(0) + ":" + port();
  }

  /** The bound socket address (always 127.0.0.1), for clients that must not rely on DNS. */
  public InetSocketAddress address() {
    return acceptor.address();
  }

  /** The root CA that signed the server certificate, as PEM, for clients' trust configuration. */
  public String caCertificatePem() {
    return tls.rootCa().certificatePem();
  }

  /** The root CA certificate, for building a trust store in memory. */
  public X509Certificate caCertificate() {
    return tls.rootCa().certificate();
  }

  /** Writes {@link #caCertificatePem()} to {@code file}, creating parent directories. */
  public Path writeCaCertificate(Path file) throws IOException {
    Files2.createParentDirectories(file);
    Files.writeString(file, caCertificatePem(), StandardCharsets.US_ASCII);
    return file;
  }

  /**
   * Issues a client certificate signed by the gateway's CA, valid from an hour ago for a day; the gateway accepts it
   * when {@link Builder#requireClientCertificate} is on.
   */
  public ClientCertificate issueClientCertificate(String commonName) {
    Instant now = Instant.now();
    return tls.issueClientCertificate(commonName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
  }

  /** Issues a client certificate signed by the gateway's CA, valid from {@code notBefore} to {@code notAfter}. */
  public ClientCertificate issueClientCertificate(String commonName, Instant notBefore, Instant notAfter) {
    return tls.issueClientCertificate(commonName, notBefore, notAfter);
  }

  /**
   * An SSL context that trusts only this gateway's CA, for test clients that talk to the gateway directly rather than
   * through the code under test.
   */
  public SSLContext clientSslContext() {
    return clientSslContext(null);
  }

  /** Like {@link #clientSslContext()}, presenting {@code certificate} when the gateway asks for one. */
  public SSLContext clientSslContext(ClientCertificate certificate) {
    return tls.clientSslContext(certificate);
  }

  /** Adds or replaces a route while the gateway runs; see {@link Builder#route}. */
  public void route(String authority, InetSocketAddress upstream) {
    policy.route(authority, upstream);
  }

  /** Accepts one more token from now on; the first call on a gateway built without tokens turns the token check on. */
  public void requireToken(String token) {
    policy.requireToken(token);
  }

  /** As {@link Builder#trustJwtIssuer}, from now on (an audience may name this gateway's {@link #url()}). */
  public void trustJwtIssuer(JwtIssuer issuer, String... audiences) {
    if (audiences.length == 0) {
      throw new IllegalArgumentException("an identity provider needs at least one audience");
    }
    policy.trustJwtIssuer(issuer, List.of(audiences));
  }

  /** Why each bearer JWT the gateway refused was refused ({@link Builder#trustJwtIssuer}), in order. */
  public List<String> bearerRejections() {
    return policy.bearerRejections();
  }

  /**
   * Stops accepting {@code token}, whether it came from {@link #requireToken} or a sign-in, the way an expired or
   * revoked Pomerium session ends: a CONNECT with it gets 401 from now on, so a client has to log in again. The token
   * check stays on even if no token is left.
   */
  public void revokeToken(String token) {
    policy.revokeToken(token);
  }

  /**
   * Stops accepting every token known so far, including those given to {@link #requireToken}, as if all sessions
   * expired at once; tokens minted by later sign-ins are accepted. Turns the token check on if it was off, so a CONNECT
   * without a token gets the 302 to sign in.
   */
  public void revokeAllTokens() {
    policy.revokeAllTokens();
  }

  /**
   * Tokens minted by completed sign-ins, oldest first, revoked ones included, so a test can check that the token a
   * client sends is the one its login produced.
   */
  public List<String> issuedTokens() {
    return policy.issuedTokens();
  }

  /**
   * Sign-ins completed so far, i.e. tokens minted; a test asserts on it that N clients that needed a token caused one
   * login, not N.
   */
  public int signInCount() {
    return policy.signInCount();
  }

  /**
   * {@code GET}s of the login API ({@code /.pomerium/api/v1/login}) so far, answered 200 or 400, which is how often
   * clients started a browser login.
   */
  public int loginApiCount() {
    return signInPages.loginApiCount();
  }

  /**
   * Sign-in requests that arrived and have not been answered yet (see {@link Builder#signInDelay}), so a test can act
   * while a login is in progress.
   */
  public int signInsInProgress() {
    return signInPages.inProgress().get();
  }

  /** Lets the sign-ins held by {@link Builder#holdSignIns()} (and every later one) answer. */
  public void releaseSignIns() {
    signInPages.releaseSignIns();
  }

  /**
   * Waits until at least {@code count} sign-ins are in progress at once, so a test can start more clients only after
   * the first login really reached the sign-in page.
   *
   * @return whether that happened within {@code timeout}; false at once if the gateway closes
   */
  public boolean awaitSignInsInProgress(int count, Duration timeout) throws InterruptedException {
    return signInPages.inProgress().awaitAtLeast(count, timeout);
  }

  /**
   * Request lines of the {@code /.pomerium/} HTTP requests (login API, sign-in page, others) in arrival order, kept
   * apart from {@link #requests()} so CONNECT counts stay exact.
   */
  public List<String> httpRequestLines() {
    return signInPages.httpRequestLines();
  }

  /**
   * Queues a scripted answer. Each CONNECT takes the next one in order, whatever its method, token or target; once the
   * queue is empty the default behaviour applies again.
   */
  public void enqueue(GatewayResponse response) {
    policy.enqueue(response);
  }

  /**
   * Makes every tunnel open now a black hole, as a dead peer or a partitioned network does: bytes either way are read
   * and dropped, and the connections stay open (until the idle timeout or {@link #close()}). Later connections work.
   */
  public void blackholeOpenTunnels() {
    for (Acceptor.Connection connection : acceptor.live()) {
      ((GatewayConnection) connection).blackhole();
    }
  }

  /** Misbehaves in the given way on connections accepted from now on; {@link Fault#none()} resets. */
  public void setFault(Fault fault) {
    policy.setFault(fault);
  }

  /**
   * Returns the oldest request not yet taken, waiting up to {@code timeout} for one to arrive.
   *
   * @return the request, or null if none arrived in time
   */
  public RecordedConnect takeRequest(Duration timeout) throws InterruptedException {
    return traffic.take(timeout);
  }

  /**
   * Every request recorded so far, in arrival order, whether taken or not; {@code /.pomerium/} requests are listed in
   * {@link #httpRequestLines()} instead.
   */
  public List<RecordedConnect> requests() {
    return traffic.requests();
  }

  /** The number of requests recorded so far. */
  public int requestCount() {
    return traffic.requestCount();
  }

  /** TLS handshakes completed so far. */
  public int tlsHandshakes() {
    return traffic.tlsHandshakes();
  }

  /**
   * TLS handshakes that resumed an earlier session (an abbreviated handshake: no certificate sent, fewer round trips in
   * TLS 1.2), as a client that keeps its session cache does for repeated connections.
   */
  public int resumedTlsHandshakes() {
    return traffic.resumedTlsHandshakes();
  }

  /** TCP connections accepted so far, including those that never completed TLS or sent a request. */
  public int acceptedConnections() {
    return acceptor.accepted();
  }

  /** Client connections accepted and not yet fully closed (tunnels included). */
  public int openConnections() {
    return acceptor.open().get();
  }

  /**
   * Waits until at least {@code count} client connections are open at once, so a test can act (close the gateway, cut
   * the upstream) only after the client really connected.
   *
   * @return whether that happened within {@code timeout}
   */
  public boolean awaitOpenConnections(int count, Duration timeout) throws InterruptedException {
    return acceptor.open().awaitAtLeast(count, timeout);
  }

  /**
   * Waits until every client connection has been closed, which proves a client released its tunnel rather than leaking
   * it.
   *
   * @return whether that happened within {@code timeout}
   */
  public boolean awaitNoOpenConnections(Duration timeout) throws InterruptedException {
    return acceptor.open().awaitAtMost(0, timeout);
  }

  /**
   * Stops accepting, closes every client and upstream socket, and waits (bounded) for all gateway threads to end. Safe
   * to call more than once.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed.countDown();
    signInPages.close();
    acceptor.close();
    LOG.debug("PomeriumGateway {} closed", port());
  }

  @Override
  public String toString() {
    return "PomeriumGateway{" + url() + "}";
  }

  boolean isClosing() {
    return closing.get();
  }

  /** Waits up to {@code timeout} for {@link #close()}; true if it came. */
  boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
    return closed.await(timeout, unit);
  }
}
