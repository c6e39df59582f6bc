package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.jgitpomerium.testkit.internal.Files2;
import dev.jgitpomerium.testkit.internal.IoUtil;
import dev.jgitpomerium.testkit.internal.IoUtil.HeadTooLargeException;
import dev.jgitpomerium.testkit.internal.Tls;
import dev.jgitpomerium.testkit.internal.Workers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import okhttp3.tls.HeldCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process stand-in for Pomerium's TCP-route endpoint: a TLS server that answers HTTP/1.1
 * {@code CONNECT} requests the way Pomerium (Envoy plus its authorize service) does, and splices
 * allowed tunnels to a plain TCP upstream.
 *
 * <p>Modelled on OkHttp's {@code MockWebServer}: start it from a builder, point the client at
 * {@link #url()}, optionally {@link #enqueue script} answers or {@link #setFault inject faults},
 * then assert on the {@link RecordedConnect recorded requests}. Everything binds 127.0.0.1 on an
 * ephemeral port, and {@link #close()} closes every socket and ends every thread it started, so
 * tests can check for leaks.
 *
 * <p>Without scripted answers the gateway mirrors Pomerium's status codes: 405 for a method other
 * than CONNECT; 302 to a sign-in page when a token is required and none was sent; 401 for a token
 * that is not accepted; 404 {@code route_not_found} for an authority without a route; 503 when the
 * upstream refuses; otherwise {@code HTTP/1.1 200 OK} and a raw byte stream both ways. As with
 * pomerium-cli and Envoy, the first side to end the stream ends it for both (no half-close).
 *
 * <p>The same port also serves Pomerium's programmatic login, so a client's whole browser login can
 * run in-process: {@code GET /.pomerium/api/v1/login?pomerium_redirect_uri=<loopback http URI>}
 * answers with a sign-in URL on this gateway, and that sign-in page stands in for the identity
 * provider: it mints a fresh token, accepts it from then on, and redirects to the loopback URI with
 * {@code pomerium_jwt=<token>} added. {@link FakeBrowser} follows that URL the way a person's
 * browser would. Other {@code /.pomerium/} paths answer 404. These HTTP requests are one per
 * connection, are listed in {@link #httpRequestLines()} rather than {@link #requests()}, and
 * neither take {@link #enqueue scripted answers} nor suffer faults that act after the request head.
 *
 * <p>Threads are daemons named {@code pomerium-gateway-<role>-<port>[-<connection>]}.
 */
public final class PomeriumGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PomeriumGateway.class);

  private static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  private static final int HEAD_TIMEOUT_MILLIS = 10_000;
  private static final int MAX_HEAD_BYTES = 16 * 1024;
  private static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int GREETING_WAIT_MILLIS = 2_000;

  /** How long one splice read blocks, at most, before the tunnel's idle time is checked. */
  private static final int SPLICE_READ_TIMEOUT_MILLIS = 30_000;

  private static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

  /** Upper bound for faults that hold a connection without progress. */
  private static final long FAULT_HOLD_LIMIT_NANOS = Duration.ofMinutes(2).toNanos();

  private static final long HEADERS_NEVER_END_INTERVAL_MILLIS = 50;
  private static final Duration PUMP_JOIN_WAIT = Duration.ofSeconds(5);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  private static final String[] ALPN = {"http/1.1"};

  private static final String POMERIUM_PATH_PREFIX = "/.pomerium/";
  private static final String LOGIN_API_PATH = "/.pomerium/api/v1/login";
  private static final String SIGN_IN_PATH = "/.pomerium/sign_in";
  private static final String REDIRECT_PARAMETER = "pomerium_redirect_uri";
  private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

  /** A request body up to this size is read and dropped, so closing does not reset the peer. */
  private static final int MAX_DISCARDED_BODY_BYTES = 64 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final List<String> hostNames;
  private final HeldCertificate rootCa;
  private final SSLContext serverContext;
  private final boolean coalesceUpstreamGreeting;
  private final boolean requireClientCertificate;
  private final ServerSocket serverSocket;
  private final InetSocketAddress address;

  private final Map<String, InetSocketAddress> routes = new ConcurrentHashMap<>();
  private final long signInDelayNanos;
  private final long idleTimeoutNanos;
  private final int spliceReadTimeoutMillis;
  private final Set<String> tokens = ConcurrentHashMap.newKeySet(); // changed under tokenLock
  private final Object tokenLock = new Object();
  private volatile boolean tokenCheck; // set under tokenLock
  private final List<String> issued = new ArrayList<>(); // guarded by tokenLock
  private final Queue<GatewayResponse> scripted = new ConcurrentLinkedQueue<>();
  private volatile Fault fault = Fault.none();

  private final List<RecordedConnect> recorded = new ArrayList<>(); // guarded by itself
  private final BlockingQueue<RecordedConnect> untaken = new LinkedBlockingQueue<>();
  private final List<String> httpRequestLines = new ArrayList<>(); // guarded by itself
  private final AtomicInteger loginApiCalls = new AtomicInteger();
  private final AtomicInteger tlsHandshakes = new AtomicInteger();
  private final AtomicInteger resumedTlsHandshakes = new AtomicInteger();
  private final Object signInLock = new Object();
  private int signInsInProgress; // guarded by signInLock

  private final Workers workers = new Workers();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionIds = new AtomicInteger();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  /** Open unless the builder held sign-ins; {@link #releaseSignIns()} and {@link #close()} open it. */
  private final CountDownLatch signInsReleased;
  private final Object openLock = new Object();
  private int openConnections; // guarded by openLock
  private int acceptedConnections; // guarded by openLock

  private PomeriumGateway(Builder builder) throws IOException {
    this.hostNames =
        List.copyOf(builder.hostNames.isEmpty() ? List.of("localhost") : builder.hostNames);
    this.coalesceUpstreamGreeting = builder.coalesceUpstreamGreeting;
    this.requireClientCertificate = builder.requireClientCertificate;
    this.signInDelayNanos = saturatedNanos(builder.signInDelay);
    this.signInsReleased = new CountDownLatch(builder.holdSignIns ? 1 : 0);
    this.idleTimeoutNanos = builder.idleTimeout.toNanos();
    // Checks often enough that a tunnel is cut within a quarter of its idle timeout after it expires.
    this.spliceReadTimeoutMillis =
        (int) Math.max(10, Math.min(SPLICE_READ_TIMEOUT_MILLIS, builder.idleTimeout.toMillis() / 4));
    this.tokens.addAll(builder.tokens);
    this.tokenCheck = !builder.tokens.isEmpty();
    builder.routes.forEach((authority, upstream) -> routes.put(routeKey(authority), upstream));

    Instant now = Instant.now();
    Instant notBefore =
        builder.notBefore != null ? builder.notBefore : now.minus(Duration.ofHours(1));
    Instant notAfter = builder.notAfter != null ? builder.notAfter : now.plus(Duration.ofDays(1));
    // The CA outlives the server certificate on both ends, so an "expired" test fails on the
    // server certificate and nothing else.
    Instant caNotBefore = min(notBefore, now.minus(Duration.ofHours(1)));
    Instant caNotAfter = max(notAfter, now.plus(Duration.ofDays(1)));
    this.rootCa =
        new HeldCertificate.Builder()
            .certificateAuthority(0)
            .commonName("jgit-pomerium testkit CA")
            .organizationalUnit("PomeriumGateway")
            .serialNumber(Tls.randomSerial())
            .validityInterval(caNotBefore.toEpochMilli(), caNotAfter.toEpochMilli())
            .build();
    HeldCertificate.Builder server =
        new HeldCertificate.Builder()
            .commonName(hostNames.get(0))
            .serialNumber(Tls.randomSerial())
            .validityInterval(notBefore.toEpochMilli(), notAfter.toEpochMilli())
            .signedBy(rootCa);
    for (String name : hostNames) {
      server.addSubjectAlternativeName(name);
    }
    if (!hostNames.contains("127.0.0.1")) {
      server.addSubjectAlternativeName("127.0.0.1");
    }
    HeldCertificate serverCertificate = server.build();
    this.serverContext =
        Tls.context(
            serverCertificate.keyPair().getPrivate(),
            new X509Certificate[] {serverCertificate.certificate(), rootCa.certificate()},
            requireClientCertificate ? rootCa.certificate() : null);

    ServerSocket socket = new ServerSocket();
    try {
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    this.serverSocket = socket;
    this.address = new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
    workers.start("pomerium-gateway-accept-" + port(), this::acceptLoop);
    LOG.debug("PomeriumGateway listening on {} as {}", address, hostNames);
  }

  /** Starts configuring a gateway. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures a {@link PomeriumGateway} before it binds its port. */
  public static final class Builder {
    private final List<String> hostNames = new ArrayList<>();
    private final Set<String> tokens = new LinkedHashSet<>();
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
     * Names the server certificate is valid for (its subject alternative names); the first is used
     * in {@link #url()}. Defaults to {@code localhost}; {@code 127.0.0.1} is always added as an IP
     * SAN so clients can also connect by address with hostname verification on.
     */
    public Builder hostNames(String... names) {
      for (String name : names) {
        hostNames.add(Objects.requireNonNull(name, "name"));
      }
      return this;
    }

    /**
     * Requires {@code Authorization: Pomerium <token>} on every CONNECT. May be called several
     * times; any listed token is accepted. Without a call no token is checked at all, until a
     * sign-in mints one or {@link PomeriumGateway#revokeAllTokens()} is called.
     */
    public Builder requireToken(String token) {
      tokens.add(Objects.requireNonNull(token, "token"));
      return this;
    }

    /**
     * Routes CONNECTs for {@code authority} ({@code host:port}, matched case-insensitively) to a
     * TCP upstream, like a Pomerium {@code tcp+https://host:port} route with {@code to: tcp://...}.
     */
    public Builder route(String authority, InetSocketAddress upstream) {
      routes.put(
          Objects.requireNonNull(authority, "authority"),
          Objects.requireNonNull(upstream, "upstream"));
      return this;
    }

    /**
     * When on, the gateway waits (up to 2 s) for the upstream's first bytes, such as an SSH banner,
     * and sends them in the same write as the 200 head. Clients that read the head with a buffered
     * reader lose those bytes; this makes that bug show up every time instead of rarely.
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
     * Validity of the server certificate, for expired or not-yet-valid certificate tests. Defaults
     * to one hour ago until one day from now.
     */
    public Builder certificateValidity(Instant notBefore, Instant notAfter) {
      if (!Objects.requireNonNull(notBefore, "notBefore")
          .isBefore(Objects.requireNonNull(notAfter, "notAfter"))) {
        throw new IllegalArgumentException("notBefore must be before notAfter");
      }
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      return this;
    }

    /**
     * How long the sign-in page takes before it answers (default zero), like a person typing a
     * password: tests use it to make many clients need a token while one login is still in
     * progress. {@link PomeriumGateway#close()} ends the wait at once.
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

    /** Generates the certificates, binds 127.0.0.1 on an ephemeral port and starts accepting. */
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

    public PomeriumGateway start() throws IOException {
      return new PomeriumGateway(this);
    }
  }

  /** The port the gateway listens on. */
  public int port() {
    return address.getPort();
  }

  /** {@code https://<first host name>:<port>}, the Pomerium URL a client is configured with. */
  public String url() {
    return "https://" + hostNames.get(0) + ":" + port();
  }

  /** The bound socket address (always 127.0.0.1), for clients that must not rely on DNS. */
  public InetSocketAddress address() {
    return address;
  }

  /** The root CA that signed the server certificate, as PEM, for clients' trust configuration. */
  public String caCertificatePem() {
    return rootCa.certificatePem();
  }

  /** The root CA certificate, for building a trust store in memory. */
  public X509Certificate caCertificate() {
    return rootCa.certificate();
  }

  /** Writes {@link #caCertificatePem()} to {@code file}, creating parent directories. */
  public Path writeCaCertificate(Path file) throws IOException {
    Files2.createParentDirectories(file);
    Files.writeString(file, caCertificatePem(), StandardCharsets.US_ASCII);
    return file;
  }

  /**
   * Issues a client certificate signed by the gateway's CA, valid from an hour ago for a day; the
   * gateway accepts it when {@link Builder#requireClientCertificate} is on.
   */
  public ClientCertificate issueClientCertificate(String commonName) {
    Instant now = Instant.now();
    HeldCertificate held =
        new HeldCertificate.Builder()
            .commonName(Objects.requireNonNull(commonName, "commonName"))
            .serialNumber(Tls.randomSerial())
            .validityInterval(
                now.minus(Duration.ofHours(1)).toEpochMilli(),
                now.plus(Duration.ofDays(1)).toEpochMilli())
            .signedBy(rootCa)
            .build();
    return new ClientCertificate(commonName, held);
  }

  /**
   * An SSL context that trusts only this gateway's CA, for test clients that talk to the gateway
   * directly rather than through the code under test.
   */
  public SSLContext clientSslContext() {
    return clientSslContext(null);
  }

  /**
   * Like {@link #clientSslContext()}, presenting {@code certificate} when the gateway asks for one.
   */
  public SSLContext clientSslContext(ClientCertificate certificate) {
    if (certificate == null) {
      return Tls.context(null, null, rootCa.certificate());
    }
    return Tls.context(
        certificate.privateKey(),
        new X509Certificate[] {certificate.certificate(), rootCa.certificate()},
        rootCa.certificate());
  }

  /** Adds or replaces a route while the gateway runs; see {@link Builder#route}. */
  public void route(String authority, InetSocketAddress upstream) {
    routes.put(
        routeKey(Objects.requireNonNull(authority, "authority")),
        Objects.requireNonNull(upstream, "upstream"));
  }

  /**
   * Accepts one more token from now on; the first call on a gateway built without tokens turns the
   * token check on.
   */
  public void requireToken(String token) {
    Objects.requireNonNull(token, "token");
    synchronized (tokenLock) {
      tokens.add(token);
      tokenCheck = true;
    }
  }

  /**
   * Stops accepting {@code token}, whether it came from {@link #requireToken} or a sign-in, the
   * way an expired or revoked Pomerium session ends: a CONNECT with it gets 401 from now on, so a
   * client has to log in again. The token check stays on even if no token is left.
   */
  public void revokeToken(String token) {
    Objects.requireNonNull(token, "token");
    synchronized (tokenLock) {
      tokens.remove(token);
    }
  }

  /**
   * Stops accepting every token known so far, including those given to {@link #requireToken}, as
   * if all sessions expired at once; tokens minted by later sign-ins are accepted. Turns the token
   * check on if it was off, so a CONNECT without a token gets the 302 to sign in.
   */
  public void revokeAllTokens() {
    synchronized (tokenLock) {
      tokens.clear();
      tokenCheck = true;
    }
  }

  /**
   * Tokens minted by completed sign-ins, oldest first, revoked ones included, so a test can check
   * that the token a client sends is the one its login produced.
   */
  public List<String> issuedTokens() {
    synchronized (tokenLock) {
      return List.copyOf(issued);
    }
  }

  /**
   * Sign-ins completed so far, i.e. tokens minted; a test asserts on it that N clients that needed
   * a token caused one login, not N.
   */
  public int signInCount() {
    synchronized (tokenLock) {
      return issued.size();
    }
  }

  /**
   * {@code GET}s of the login API ({@code /.pomerium/api/v1/login}) so far, answered 200 or 400,
   * which is how often clients started a browser login.
   */
  public int loginApiCount() {
    return loginApiCalls.get();
  }

  /**
   * Sign-in requests that arrived and have not been answered yet (see {@link
   * Builder#signInDelay}), so a test can act while a login is in progress.
   */
  public int signInsInProgress() {
    synchronized (signInLock) {
      return signInsInProgress;
    }
  }

  /** Lets the sign-ins held by {@link Builder#holdSignIns()} (and every later one) answer. */
  public void releaseSignIns() {
    signInsReleased.countDown();
  }

  /**
   * Waits until at least {@code count} sign-ins are in progress at once, so a test can start more
   * clients only after the first login really reached the sign-in page.
   *
   * @return whether that happened within {@code timeout}; false at once if the gateway closes
   */
  public boolean awaitSignInsInProgress(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (signInLock) {
      while (signInsInProgress < count) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || closing.get()) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(signInLock, remaining);
      }
      return true;
    }
  }

  /**
   * Request lines of the {@code /.pomerium/} HTTP requests (login API, sign-in page, others) in
   * arrival order, kept apart from {@link #requests()} so CONNECT counts stay exact.
   */
  public List<String> httpRequestLines() {
    synchronized (httpRequestLines) {
      return List.copyOf(httpRequestLines);
    }
  }

  /**
   * Queues a scripted answer. Each CONNECT takes the next one in order, whatever its method, token
   * or target; once the queue is empty the default behaviour applies again.
   */
  public void enqueue(GatewayResponse response) {
    scripted.add(Objects.requireNonNull(response, "response"));
  }

  /**
   * Makes every tunnel open now a black hole, as a dead peer or a partitioned network does: bytes either way are read
   * and dropped, and the connections stay open (until the idle timeout or {@link #close()}). Later connections work.
   */
  public void blackholeOpenTunnels() {
    for (Connection connection : connections) {
      connection.blackholed = true;
    }
  }

  /**
   * Misbehaves in the given way on connections accepted from now on; {@link Fault#none()} resets.
   */
  public void setFault(Fault fault) {
    this.fault = Objects.requireNonNull(fault, "fault");
  }

  /**
   * Returns the oldest request not yet taken, waiting up to {@code timeout} for one to arrive.
   *
   * @return the request, or null if none arrived in time
   */
  public RecordedConnect takeRequest(Duration timeout) throws InterruptedException {
    return untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Every request recorded so far, in arrival order, whether taken or not; {@code /.pomerium/}
   * requests are listed in {@link #httpRequestLines()} instead.
   */
  public List<RecordedConnect> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  /** The number of requests recorded so far. */
  public int requestCount() {
    synchronized (recorded) {
      return recorded.size();
    }
  }

  /** TLS handshakes completed so far. */
  public int tlsHandshakes() {
    return tlsHandshakes.get();
  }

  /**
   * TLS handshakes that resumed an earlier session (an abbreviated handshake: no certificate sent, fewer round trips
   * in TLS 1.2), as a client that keeps its session cache does for repeated connections.
   */
  public int resumedTlsHandshakes() {
    return resumedTlsHandshakes.get();
  }

  /**
   * TCP connections accepted so far, including those that never completed TLS or sent a request.
   */
  public int acceptedConnections() {
    synchronized (openLock) {
      return acceptedConnections;
    }
  }

  /** Client connections accepted and not yet fully closed (tunnels included). */
  public int openConnections() {
    synchronized (openLock) {
      return openConnections;
    }
  }

  /**
   * Waits until at least {@code count} client connections are open at once, so a test can act
   * (close the gateway, cut the upstream) only after the client really connected.
   *
   * @return whether that happened within {@code timeout}
   */
  public boolean awaitOpenConnections(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (openLock) {
      while (openConnections < count) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || closing.get()) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(openLock, remaining);
      }
      return true;
    }
  }

  /**
   * Waits until every client connection has been closed, which proves a client released its tunnel
   * rather than leaking it.
   *
   * @return whether that happened within {@code timeout}
   */
  public boolean awaitNoOpenConnections(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (openLock) {
      while (openConnections > 0) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(openLock, remaining);
      }
      return true;
    }
  }

  /**
   * Stops accepting, closes every client and upstream socket, and waits (bounded) for all gateway
   * threads to end. Safe to call more than once.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed.countDown();
    signInsReleased.countDown();
    workers.stop(serverSocket, () -> connections.forEach(Connection::abort), CLOSE_WAIT,
        "PomeriumGateway " + port());
    synchronized (openLock) {
      openLock.notifyAll();
    }
    synchronized (signInLock) {
      signInLock.notifyAll();
    }
    LOG.debug("PomeriumGateway {} closed", port());
  }

  @Override
  public String toString() {
    return "PomeriumGateway{" + url() + "}";
  }

  private void acceptLoop() {
    while (!closing.get()) {
      Socket raw;
      try {
        raw = serverSocket.accept();
      } catch (IOException e) {
        if (closing.get() || serverSocket.isClosed()) {
          return;
        }
        LOG.warn("PomeriumGateway {} accept failed", port(), e);
        continue;
      }
      int id = connectionIds.incrementAndGet();
      Connection connection = new Connection(id, raw, fault);
      synchronized (openLock) {
        acceptedConnections++;
        openConnections++;
        openLock.notifyAll();
      }
      connections.add(connection);
      try {
        workers.start("pomerium-gateway-conn-" + port() + "-" + id, connection::serve);
      } catch (RejectedExecutionException e) {
        connection.abort();
        connection.finished();
      }
    }
  }

  private GatewayResponse defaultResponse(RecordedConnect request) {
    if (!"CONNECT".equals(request.method())) {
      return GatewayResponse.status(405).header("Allow", "CONNECT").header("Content-Length", "0");
    }
    if (tokenCheck) {
      String authorization = request.authorization();
      if (authorization == null) {
        return GatewayResponse.redirectToSignIn(signInUrl(request.target()));
      }
      if (!authorization.startsWith("Pomerium ")
          || !tokens.contains(authorization.substring("Pomerium ".length()))) {
        return GatewayResponse.unauthorized();
      }
    }
    if (routes.get(routeKey(request.target())) == null) {
      return GatewayResponse.notFound();
    }
    return GatewayResponse.status(200);
  }

  /** A parsed request head, before it is recorded. */
  private static final class Head {
    final String requestLine;
    final String method;
    final String target;
    final String version;
    final List<Map.Entry<String, String>> headers;

    Head(String requestLine, String[] parts, List<Map.Entry<String, String>> headers) {
      this.requestLine = requestLine;
      this.method = parts[0];
      this.target = parts[1];
      this.version = parts[2];
      this.headers = headers;
    }

    String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }

    /** Whether Pomerium itself answers this request instead of treating it as a tunnel. */
    boolean isPomeriumHttp() {
      if ("CONNECT".equals(method)) {
        return false;
      }
      String path = Urls.path(Urls.originForm(target));
      return path.equals("/.pomerium") || path.startsWith(POMERIUM_PATH_PREFIX);
    }
  }

  /**
   * Parses a request head.
   *
   * @return the head, or null if it is not a well-formed HTTP/1.x request
   */
  private static Head parse(String head) {
    String[] lines = head.split("\r\n", -1);
    String[] parts = lines[0].split(" ", -1);
    if (parts.length != 3
        || parts[0].isEmpty()
        || parts[1].isEmpty()
        || !parts[2].startsWith("HTTP/")) {
      return null;
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      int colon = line.indexOf(':');
      if (colon <= 0 || line.substring(0, colon).strip().length() != colon) {
        return null;
      }
      headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).strip()));
    }
    return new Head(lines[0], parts, headers);
  }

  /** Records a request with what the TLS session knows. */
  private RecordedConnect record(Head head, SSLSocket socket) {
    SSLSession session = socket.getSession();
    String sni = null;
    if (session instanceof ExtendedSSLSession) {
      for (SNIServerName name : ((ExtendedSSLSession) session).getRequestedServerNames()) {
        if (name instanceof SNIHostName) {
          sni = ((SNIHostName) name).getAsciiName();
          break;
        }
      }
    }
    String alpn = socket.getApplicationProtocol();
    String subject = null;
    if (requireClientCertificate) {
      try {
        Certificate[] peer = session.getPeerCertificates();
        if (peer.length > 0 && peer[0] instanceof X509Certificate) {
          subject = ((X509Certificate) peer[0]).getSubjectX500Principal().getName();
        }
      } catch (SSLPeerUnverifiedException e) {
        subject = null;
      }
    }
    RecordedConnect request;
    synchronized (recorded) {
      request =
          new RecordedConnect(
              recorded.size(),
              head.requestLine,
              head.method,
              head.target,
              head.version,
              head.headers,
              sni,
              alpn == null ? "" : alpn,
              session.getProtocol(),
              subject);
      recorded.add(request);
    }
    untaken.add(request);
    LOG.debug("PomeriumGateway {} received {}", port(), request.requestLine());
    return request;
  }

  /** One accepted client connection and, once a tunnel is open, its upstream. */
  private final class Connection {
    private final int id;
    private final Socket raw;
    private final Fault fault;
    private SSLSocket tls; // guarded by this
    private Socket upstream; // guarded by this
    private boolean aborted; // guarded by this
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean blackholed;
    private final long acceptedAtMillis = System.currentTimeMillis();

    Connection(int id, Socket raw, Fault fault) {
      this.id = id;
      this.raw = raw;
      this.fault = fault;
    }

    void serve() {
      try {
        serveOrThrow();
      } catch (IOException | RuntimeException e) {
        if (!closing.get()) {
          LOG.debug("PomeriumGateway {} connection {} ended: {}", port(), id, e.toString());
        }
      } finally {
        SSLSocket tlsSocket;
        Socket upstreamSocket;
        synchronized (this) {
          tlsSocket = tls;
          upstreamSocket = upstream;
        }
        IoUtil.closeQuietly(upstreamSocket);
        // A graceful TLS close sends close_notify after the response; the raw close below is a
        // no-op then, and the backstop when TLS never started.
        IoUtil.closeQuietly(tlsSocket);
        IoUtil.closeQuietly(raw);
        finished();
      }
    }

    void finished() {
      connections.remove(this);
      synchronized (openLock) {
        openConnections--;
        openLock.notifyAll();
      }
    }

    /** Hard close from {@link PomeriumGateway#close()}: unblocks every read and write at once. */
    void abort() {
      Socket upstreamSocket;
      synchronized (this) {
        aborted = true;
        upstreamSocket = upstream;
      }
      IoUtil.closeQuietly(upstreamSocket);
      IoUtil.closeQuietly(raw);
    }

    private synchronized void attachTls(SSLSocket socket) throws IOException {
      tls = socket;
      if (aborted) {
        throw new IOException("gateway closed");
      }
    }

    private synchronized void attachUpstream(Socket socket) throws IOException {
      upstream = socket;
      if (aborted) {
        throw new IOException("gateway closed");
      }
    }

    private void serveOrThrow() throws IOException {
      raw.setTcpNoDelay(true);
      if (fault.kind() == Fault.Kind.ACCEPT_AND_NEVER_HANDSHAKE) {
        holdOpen(raw.getInputStream());
        return;
      }
      SSLSocket socket = (SSLSocket) serverContext.getSocketFactory().createSocket(raw, null, true);
      attachTls(socket);
      SSLParameters parameters = new SSLParameters();
      parameters.setProtocols(TLS_PROTOCOLS);
      parameters.setApplicationProtocols(ALPN);
      // Envoy's (BoringSSL's) choice on machines with AES instructions, rather than the JDK's AES-256 first.
      parameters.setCipherSuites(
          Arrays.stream(socket.getEnabledCipherSuites())
              .sorted(Comparator.comparing(suite -> !suite.contains("_AES_128_GCM_")))
              .toArray(String[]::new));
      parameters.setUseCipherSuitesOrder(true);
      parameters.setNeedClientAuth(requireClientCertificate);
      socket.setSSLParameters(parameters);
      raw.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
      socket.startHandshake();
      tlsHandshakes.incrementAndGet();
      // A resumed session keeps the creation time of the one it resumes, from before this connection.
      if (socket.getSession().getCreationTime() < acceptedAtMillis) {
        resumedTlsHandshakes.incrementAndGet();
      }

      raw.setSoTimeout(HEAD_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      String head;
      try {
        head = IoUtil.readHead(socket.getInputStream(), MAX_HEAD_BYTES);
      } catch (HeadTooLargeException e) {
        write(out, GatewayResponse.status(431).header("Content-Length", "0").encode());
        return;
      }
      Head parsed = parse(head);
      if (parsed == null) {
        write(out, GatewayResponse.status(400).body("bad request").encode());
        return;
      }
      if (parsed.isPomeriumHttp()) {
        servePomeriumHttp(parsed, socket.getInputStream(), out);
        return;
      }
      RecordedConnect request = record(parsed, socket);

      switch (fault.kind()) {
        case RESET_DURING_HEAD:
          write(out, "HTTP/1.1 2".getBytes(ISO_8859_1));
          raw.setSoLinger(true, 0);
          raw.close();
          return;
        case CLOSE_AFTER_200:
          write(out, GatewayResponse.status(200).encode());
          return;
        case STALL:
          holdOpen(socket.getInputStream());
          return;
        case RAW_RESPONSE:
          write(out, fault.bytes());
          return;
        case OVERSIZED_HEADER:
          writeOversizedHeader(out, (int) fault.amount());
          return;
        case HEADERS_NEVER_END:
          writeEndlessHeaders(out);
          return;
        default:
          break;
      }

      GatewayResponse script = scripted.poll();
      GatewayResponse response = script != null ? script : defaultResponse(request);
      if (!response.isSuccessful()) {
        write(out, response.encode());
        return;
      }
      openTunnel(socket, response, routes.get(routeKey(request.target())));
    }

    /** Answers one {@code /.pomerium/} request and lets the caller close the connection. */
    private void servePomeriumHttp(Head request, InputStream in, OutputStream out)
        throws IOException {
      synchronized (httpRequestLines) {
        httpRequestLines.add(request.requestLine);
      }
      LOG.debug("PomeriumGateway {} received {}", port(), Urls.redact(request.requestLine));
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
      write(out, response.encode());
    }

    /** Reads a small {@code Content-Length} body so that closing afterwards is orderly. */
    private void discardBody(Head request, InputStream in) throws IOException {
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
          url()
              + SIGN_IN_PATH
              + "?"
              + REDIRECT_PARAMETER
              + "="
              + Urls.encode(redirectUri)
              + "&state="
              + randomUrlSafe(16);
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
      synchronized (signInLock) {
        signInsInProgress++;
        signInLock.notifyAll();
      }
      try {
        if (closed.await(signInDelayNanos, TimeUnit.NANOSECONDS)) {
          return null;
        }
        signInsReleased.await(); // close() releases too
        if (closing.get()) {
          return null;
        }
        token = mintToken();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      } finally {
        synchronized (signInLock) {
          signInsInProgress--;
          signInLock.notifyAll();
        }
      }
      String location = Urls.withQueryParameter(redirectUri, Urls.TOKEN_PARAMETER, token);
      LOG.debug(
          "PomeriumGateway {} signed a client in, redirecting to {}",
          port(),
          Urls.redact(location));
      String link = Urls.escapeHtml(location);
      return GatewayResponse.status(302)
          .header("Location", location)
          .header("Content-Type", "text/html; charset=utf-8")
          .header("Connection", "close")
          .body("<a href=\"" + link + "\">Found</a>.\n");
    }

    private void openTunnel(SSLSocket socket, GatewayResponse response, InetSocketAddress target)
        throws IOException {
      Socket up = null;
      if (target != null) {
        up = new Socket();
        attachUpstream(up);
        try {
          up.connect(target, UPSTREAM_CONNECT_TIMEOUT_MILLIS);
          up.setTcpNoDelay(true);
        } catch (IOException e) {
          LOG.debug(
              "PomeriumGateway {} cannot reach upstream {}: {}", port(), target, e.toString());
          write(socket.getOutputStream(), GatewayResponse.unavailable().encode());
          return;
        }
      }
      long responseLimit =
          fault.kind() == Fault.Kind.CLOSE_AFTER_RESPONSE_BYTES ? fault.amount() : Long.MAX_VALUE;
      long requestLimit =
          fault.kind() == Fault.Kind.CLOSE_AFTER_REQUEST_BYTES ? fault.amount() : Long.MAX_VALUE;

      byte[] greeting = new byte[0];
      if (coalesceUpstreamGreeting && up != null) {
        greeting = readGreeting(up);
        if (greeting.length > responseLimit) {
          greeting = Arrays.copyOf(greeting, (int) responseLimit);
        }
      }
      byte[] head = response.encode();
      byte[] first = Arrays.copyOf(head, head.length + greeting.length);
      System.arraycopy(greeting, 0, first, head.length, greeting.length);
      // One write call, so the greeting travels in the same TLS record as the 200.
      write(socket.getOutputStream(), first);
      if (up == null) {
        return;
      }
      if (responseLimit != Long.MAX_VALUE) {
        responseLimit -= greeting.length;
      }
      splice(socket, up, responseLimit, requestLimit);
    }

    private byte[] readGreeting(Socket up) throws IOException {
      up.setSoTimeout(GREETING_WAIT_MILLIS);
      byte[] buffer = new byte[16 * 1024];
      try {
        int n = up.getInputStream().read(buffer);
        return n <= 0 ? new byte[0] : Arrays.copyOf(buffer, n);
      } catch (SocketTimeoutException e) {
        return new byte[0];
      }
    }

    private void splice(SSLSocket client, Socket up, long responseLimit, long requestLimit)
        throws IOException {
      raw.setSoTimeout(spliceReadTimeoutMillis);
      up.setSoTimeout(spliceReadTimeoutMillis);
      InputStream clientIn = client.getInputStream();
      OutputStream clientOut = client.getOutputStream();
      InputStream upIn = up.getInputStream();
      OutputStream upOut = up.getOutputStream();
      Thread downstream =
          workers.start(
              "pomerium-gateway-splice-" + port() + "-" + id,
              () -> {
                try {
                  pump(upIn, clientOut, responseLimit);
                } catch (IOException e) {
                  LOG.trace("connection {}: upstream->client ended: {}", id, e.toString());
                } finally {
                  // This thread is the only writer to the client, so it can close TLS gracefully;
                  // that also ends the other direction's read.
                  IoUtil.closeQuietly(up);
                  IoUtil.closeQuietly(client);
                }
              });
      try {
        pump(clientIn, upOut, requestLimit);
      } catch (IOException e) {
        LOG.trace("connection {}: client->upstream ended: {}", id, e.toString());
      } finally {
        // No half-close: closing the upstream ends the other direction too.
        IoUtil.closeQuietly(up);
        try {
          TimeUnit.NANOSECONDS.timedJoin(downstream, PUMP_JOIN_WAIT.toNanos());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (downstream.isAlive()) {
          IoUtil.closeQuietly(raw); // the writer is stuck on a client that does not read
        }
      }
    }

    /** Copies until EOF, an error, idle expiry, or {@code limit} bytes. */
    private void pump(InputStream in, OutputStream out, long limit) throws IOException {
      byte[] buffer = new byte[16 * 1024];
      long remaining = limit;
      while (remaining > 0) {
        int n;
        try {
          n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
        } catch (SocketTimeoutException e) {
          if (System.nanoTime() - lastActivity > idleTimeoutNanos) {
            LOG.debug("PomeriumGateway {} connection {} idle, closing", port(), id);
            return;
          }
          continue;
        }
        if (n < 0) {
          return;
        }
        if (blackholed) {
          continue; // dropped: the peer sees a link that went silent, not a closed one
        }
        out.write(buffer, 0, n);
        out.flush();
        remaining -= n;
        lastActivity = System.nanoTime();
      }
    }

    /** Reads and discards until the peer leaves, the gateway closes, or the hold limit passes. */
    private void holdOpen(InputStream in) throws IOException {
      raw.setSoTimeout(SPLICE_READ_TIMEOUT_MILLIS);
      long deadline = System.nanoTime() + FAULT_HOLD_LIMIT_NANOS;
      byte[] discard = new byte[4096];
      while (System.nanoTime() - deadline < 0) {
        try {
          if (in.read(discard) < 0) {
            return;
          }
        } catch (SocketTimeoutException e) {
          // Keep holding until the deadline.
        }
      }
    }

    private void writeOversizedHeader(OutputStream out, int lineLength) throws IOException {
      out.write("HTTP/1.1 200 OK\r\n".getBytes(ISO_8859_1));
      String name = "X-Oversized: ";
      out.write(name.getBytes(ISO_8859_1));
      byte[] filler = new byte[8192];
      Arrays.fill(filler, (byte) 'a');
      int left = lineLength - name.length();
      while (left > 0) {
        int n = Math.min(left, filler.length);
        out.write(filler, 0, n);
        left -= n;
      }
      out.write("\r\n\r\n".getBytes(ISO_8859_1));
      out.flush();
    }

    private void writeEndlessHeaders(OutputStream out) throws IOException {
      write(out, "HTTP/1.1 200 OK\r\n".getBytes(ISO_8859_1));
      long deadline = System.nanoTime() + FAULT_HOLD_LIMIT_NANOS;
      for (int i = 0; System.nanoTime() - deadline < 0; i++) {
        write(out, ("X-Still-Coming: " + i + "\r\n").getBytes(ISO_8859_1));
        try {
          if (closed.await(HEADERS_NEVER_END_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
            return;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void write(OutputStream out, byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Mints a token for a completed sign-in and accepts it from now on. */
  private String mintToken() {
    synchronized (tokenLock) {
      String token = "jwt-" + (issued.size() + 1) + "-" + randomUrlSafe(16);
      issued.add(token);
      tokens.add(token);
      tokenCheck = true;
      return token;
    }
  }

  /** {@code length} random characters from the URL-safe base64 alphabet. */
  private static String randomUrlSafe(int length) {
    byte[] bytes = new byte[(length * 3 + 3) / 4];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).substring(0, length);
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

  private static String routeKey(String authority) {
    return authority.toLowerCase(Locale.ROOT);
  }

  private static String signInUrl(String target) {
    return "https://authenticate.example.com/.pomerium/sign_in?pomerium_redirect_uri="
        + URLEncoder.encode("https://" + target, StandardCharsets.UTF_8);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
