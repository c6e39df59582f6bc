package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jgitpomerium.testkit.internal.Daemons;
import dev.jgitpomerium.testkit.internal.Files2;
import dev.jgitpomerium.testkit.internal.Tls;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Stream;
import okhttp3.tls.HeldCertificate;

/**
 * A real forward proxy for tests: Debian's squid, in the foreground, on 127.0.0.1 and a free port ({@link
 * #httpUrl()}), optionally also speaking TLS on a second port ({@link #httpsUrl()}, squid's {@code https_port}, with a
 * certificate from a CA of its own) and optionally wanting HTTP Basic authentication (squid's {@code basic_ncsa_auth}
 * with an htpasswd file), as corporate proxies do.
 *
 * <p><b>Names that resolve only at the proxy.</b> squid resolves the targets of {@code CONNECT} with its own DNS
 * client, which reads its own {@code hosts_file} and ignores the machine's {@code /etc/hosts} and resolver library.
 * {@link Builder#hostsEntry} puts a name there (e.g. {@code pomerium.proxied.test} for 127.0.0.1), and squid is given
 * no reachable name server (127.0.0.1 port 53, where nothing listens), so that it resolves nothing else. A client on
 * this machine does not know the name (a {@code .test} name, RFC 6761, in no hosts file the client reads): it reaches
 * that host only through the proxy, as a client behind a corporate proxy reaches a host that only the proxy's DNS
 * knows.
 *
 * <p>It allows {@code CONNECT} to any port (Pomerium's test gateway listens on an ephemeral one; a stock squid.conf
 * allows only 443) from 127.0.0.1, and caches nothing. Each request is written to its access log when it ends (for a
 * tunnel: when the tunnel closes); {@link #awaitRequests} waits for it.
 *
 * <p>It needs squid (with {@code basic_ncsa_auth}) and, for {@link Builder#basicAuthentication}, openssl ({@code
 * openssl passwd -apr1} makes the htpasswd line); {@code ./test.sh} installs both. Without them it fails saying so.
 * Run as root, squid switches to Debian's {@code proxy} user ({@code cache_effective_user}), which then owns the
 * proxy's directory. Nothing system-wide is used: configuration, pid file, logs and hosts file are in a temporary
 * directory, which {@link #close()} deletes after stopping squid.
 */
public final class SquidProxy implements AutoCloseable {
  private static final Path SQUID = Path.of("/usr/sbin/squid");
  private static final Path BASIC_NCSA_AUTH = Path.of("/usr/lib/squid/basic_ncsa_auth");
  private static final String EFFECTIVE_USER = "proxy";
  private static final String INSTALL_HINT = "run ./test.sh, which installs them (apt-get install squid openssl)";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
  private static final int BIND_ATTEMPTS = 5;

  private final Path directory;
  private final Map<String, String> hosts;
  private final String user;
  private final String password;
  private final boolean https;
  private final HeldCertificate ca;
  private Process squid;
  private int httpPort;
  private int httpsPort;

  private SquidProxy(Builder builder, Path directory) {
    this.directory = directory;
    this.hosts = Map.copyOf(builder.hosts);
    this.user = builder.user;
    this.password = builder.password;
    this.https = builder.https;
    this.ca = https ? newCa() : null;
  }

  /** Starts configuring a proxy. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures a {@link SquidProxy} before it starts. */
  public static final class Builder {
    private final Map<String, String> hosts = new LinkedHashMap<>();
    private String user;
    private String password;
    private boolean https;

    private Builder() {}

    /**
     * Makes {@code hostName} resolve to {@code address} (an IP literal) at the proxy, and only there: a line of
     * squid's own {@code hosts_file}.
     */
    public Builder hostsEntry(String hostName, String address) {
      hosts.put(Objects.requireNonNull(hostName, "hostName"), Objects.requireNonNull(address, "address"));
      return this;
    }

    /**
     * Requires HTTP Basic authentication as {@code user} with {@code password} on every request; others get {@code
     * 407 Proxy Authentication Required}. Neither may contain ':' or a line break.
     */
    public Builder basicAuthentication(String user, String password) {
      for (String value : List.of(Objects.requireNonNull(user, "user"), Objects.requireNonNull(password, "password"))) {
        if (value.isEmpty() || value.contains(":") || value.contains("\n") || value.contains("\r")) {
          throw new IllegalArgumentException("user and password must be non-empty, without ':' or line breaks");
        }
      }
      this.user = user;
      this.password = password;
      return this;
    }

    /**
     * Also listens with TLS on a second port ({@link SquidProxy#httpsUrl()}): an HTTPS proxy, whose certificate
     * (for {@code 127.0.0.1} and {@code localhost}) is signed by the proxy's own CA ({@link
     * SquidProxy#caCertificatePem()}).
     */
    public Builder https() {
      this.https = true;
      return this;
    }

    /** Writes the configuration and starts squid; returns once its ports accept connections. */
    public SquidProxy start() throws IOException, InterruptedException {
      requireInstalled(user != null);
      Path directory = Files.createTempDirectory("jgit-pomerium-squid-");
      return Daemons.startedOrClosed(new SquidProxy(this, directory), proxy -> {
        proxy.prepare();
        proxy.startSquid();
      });
    }
  }

  /**
   * One line of squid's access log: a request the proxy finished.
   *
   * @param method e.g. {@code CONNECT}
   * @param target the request's target, for {@code CONNECT} {@code host:port} as the client named it
   * @param status the HTTP status squid answered (200, 407, 503...)
   * @param user the authenticated user, or {@code -}
   * @param resultCode squid's result code, e.g. {@code TCP_TUNNEL} or {@code TCP_DENIED}
   * @param peer the address squid connected to for the client (where it resolved the target), or {@code -}
   * @param proxyPort the proxy's port the client connected to ({@link #address()} or {@link #httpsAddress()})
   */
  public record Request(String method, String target, int status, String user, String resultCode, String peer,
      int proxyPort) {
    /**
     * Parses a line of the log format {@code jgitpomerium}: squid's native one ({@code time elapsed client
     * result/status bytes method URL user hierarchy/peer type}) and the local port.
     */
    static Request parse(String line) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length < 9) {
        return null;
      }
      String[] result = fields[3].split("/", 2);
      String[] hierarchy = fields[8].split("/", 2);
      int status;
      try {
        status = Integer.parseInt(result.length > 1 ? result[1] : "0");
      } catch (NumberFormatException e) {
        status = 0;
      }
      int port;
      try {
        port = fields.length > 10 ? Integer.parseInt(fields[10]) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      return new Request(fields[5], fields[6], status, fields[7], result[0],
          hierarchy.length > 1 ? hierarchy[1] : "-", port);
    }

    /** Whether this is a {@code CONNECT} to {@code target} ({@code host:port}). */
    public boolean isConnectTo(String target) {
      return "CONNECT".equals(method) && target.equalsIgnoreCase(this.target);
    }
  }

  /** {@code http://127.0.0.1:<port>}, the proxy's plain HTTP port, for {@code HTTPS_PROXY} or a proxy URL. */
  public String httpUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** {@code http://user:password@127.0.0.1:<port>}, user and password percent-encoded as URL user info. */
  public String httpUrl(String user, String password) {
    return "http://" + userInfo(user, password) + "@127.0.0.1:" + httpPort;
  }

  /** {@code https://127.0.0.1:<port>}, the proxy's TLS port; only for a proxy built with {@link Builder#https()}. */
  public String httpsUrl() {
    requireHttps();
    return "https://127.0.0.1:" + httpsPort;
  }

  /** {@code https://user:password@127.0.0.1:<port>}; only for a proxy built with {@link Builder#https()}. */
  public String httpsUrl(String user, String password) {
    requireHttps();
    return "https://" + userInfo(user, password) + "@127.0.0.1:" + httpsPort;
  }

  /** The plain HTTP port's address (always 127.0.0.1). */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort);
  }

  /** The TLS port's address; only for a proxy built with {@link Builder#https()}. */
  public InetSocketAddress httpsAddress() {
    requireHttps();
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), httpsPort);
  }

  /** The CA that signed the TLS port's certificate, as PEM; only for a proxy built with {@link Builder#https()}. */
  public String caCertificatePem() {
    requireHttps();
    return ca.certificatePem();
  }

  /** The CA that signed the TLS port's certificate. */
  public X509Certificate caCertificate() {
    requireHttps();
    return ca.certificate();
  }

  /** Writes {@link #caCertificatePem()} to {@code file}, creating parent directories. */
  public Path writeCaCertificate(Path file) throws IOException {
    Files2.createParentDirectories(file);
    return Files.writeString(file, caCertificatePem(), US_ASCII);
  }

  /** Every request in the access log so far, oldest first. */
  public List<Request> requests() {
    return Daemons.read(directory.resolve("access.log")).lines().map(Request::parse).filter(Objects::nonNull)
        .toList();
  }

  /**
   * Waits until the access log has at least {@code count} requests that {@code match} (squid writes a tunnel's line
   * when it closes), e.g. one more than a test counted before it acted.
   *
   * @return the matching requests, oldest first: at least {@code count} of them, or fewer if {@code timeout} passed
   */
  public List<Request> awaitRequests(Predicate<Request> matches, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Request> matching = requests().stream().filter(matches).toList();
      if (matching.size() >= count || System.nanoTime() - deadline >= 0) {
        return matching;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** The access log and squid's own log (cache.log), for assertion messages. */
  public String log() {
    return "--- squid access.log ---\n" + Daemons.read(directory.resolve("access.log"))
        + "--- squid cache.log ---\n" + Daemons.read(directory.resolve("cache.log"));
  }

  private static String userInfo(String user, String password) {
    return URLEncoder.encode(user, UTF_8).replace("+", "%20") + ":"
        + URLEncoder.encode(password, UTF_8).replace("+", "%20");
  }

  private void requireHttps() {
    if (!https) {
      throw new IllegalStateException("this proxy has no TLS port: build it with https()");
    }
  }

  private static void requireInstalled(boolean needsOpenssl) {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(SQUID)) {
      missing.add(SQUID + " (squid)");
    }
    if (!Files.isExecutable(BASIC_NCSA_AUTH)) {
      missing.add(BASIC_NCSA_AUTH + " (squid)");
    }
    if (needsOpenssl && Daemons.onPath("openssl") == null) {
      missing.add("openssl on the PATH (openssl)");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("The forward-proxy tests need " + String.join(", ", missing) + ": "
          + INSTALL_HINT + ".");
    }
  }

  private static HeldCertificate newCa() {
    Instant now = Instant.now();
    return new HeldCertificate.Builder()
        .certificateAuthority(0)
        .commonName("jgit-pomerium testkit proxy CA")
        .organizationalUnit("SquidProxy")
        .serialNumber(Tls.randomSerial())
        .validityInterval(now.minus(Duration.ofHours(1)).toEpochMilli(), now.plus(Duration.ofDays(1)).toEpochMilli())
        .build();
  }

  /** The hosts file, the htpasswd file and the TLS key pair, and the directory handed to squid's user. */
  private void prepare() throws IOException, InterruptedException {
    StringBuilder hostsFile = new StringBuilder("127.0.0.1 localhost\n");
    hosts.forEach((name, address) -> hostsFile.append(address).append(' ').append(name).append('\n'));
    Files.writeString(directory.resolve("hosts"), hostsFile.toString(), US_ASCII);
    if (user != null) {
      Files.writeString(directory.resolve("htpasswd"), user + ":" + apr1(password) + "\n", US_ASCII);
    }
    if (https) {
      Instant now = Instant.now();
      // RSA: squid's GnuTLS did not load the JDK-made EC key ("The request is invalid").
      HeldCertificate server = new HeldCertificate.Builder()
          .rsa2048()
          .commonName("127.0.0.1")
          .addSubjectAlternativeName("127.0.0.1")
          .addSubjectAlternativeName("localhost")
          .serialNumber(Tls.randomSerial())
          .validityInterval(now.minus(Duration.ofHours(1)).toEpochMilli(),
              now.plus(Duration.ofDays(1)).toEpochMilli())
          .signedBy(ca)
          .build();
      Files.writeString(directory.resolve("proxy-cert.pem"), server.certificatePem(), US_ASCII);
      Files2.writePrivate(directory.resolve("proxy-key.pem"), server.privateKeyPkcs8Pem().getBytes(US_ASCII));
    }
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    if (runsAsRoot()) {
      // squid refuses to run as root; it switches to this user, which must write its pid file and logs here.
      UserPrincipal owner = directory.getFileSystem().getUserPrincipalLookupService()
          .lookupPrincipalByName(EFFECTIVE_USER);
      try (Stream<Path> paths = Files.walk(directory)) {
        for (Path path : paths.toList()) {
          Files.setOwner(path, owner);
        }
      }
    }
  }

  /** An htpasswd hash ({@code $apr1$}, which basic_ncsa_auth reads) made by openssl; the password goes in a file. */
  private String apr1(String secret) throws IOException, InterruptedException {
    Path input = directory.resolve("password-input");
    Files2.writePrivate(input, (secret + "\n").getBytes(UTF_8));
    Path output = directory.resolve("password-hash");
    try {
      Process openssl = new ProcessBuilder("openssl", "passwd", "-apr1", "-in", input.toString())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .start();
      if (!openssl.waitFor(30, TimeUnit.SECONDS)) {
        openssl.destroyForcibly();
        throw new IllegalStateException("openssl passwd did not finish within 30 s");
      }
      String hash = Files.readString(output, US_ASCII).strip();
      if (openssl.exitValue() != 0 || !hash.startsWith("$apr1$")) {
        throw new IllegalStateException("openssl passwd -apr1 failed (" + openssl.exitValue() + "): " + hash);
      }
      return hash;
    } finally {
      Files.deleteIfExists(input);
      Files.deleteIfExists(output);
    }
  }

  private static boolean runsAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private Path writeConfig(int http, int tls) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# squid for jgit-pomerium's forward-proxy tests (SquidProxy)");
    lines.add("http_port 127.0.0.1:" + http);
    if (https) {
      lines.add("https_port 127.0.0.1:" + tls + " tls-cert=" + directory.resolve("proxy-cert.pem")
          + " tls-key=" + directory.resolve("proxy-key.pem"));
    }
    lines.add("visible_hostname jgit-pomerium-test-proxy");
    lines.add("pid_filename " + directory.resolve("squid.pid"));
    lines.add("logformat jgitpomerium %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt %>lp");
    lines.add("access_log stdio:" + directory.resolve("access.log") + " jgitpomerium");
    lines.add("cache_log " + directory.resolve("cache.log"));
    lines.add("cache_store_log none");
    lines.add("coredump_dir " + directory);
    lines.add("cache deny all");
    lines.add("cache_mem 8 MB");
    lines.add("pinger_enable off");
    lines.add("shutdown_lifetime 0 seconds");
    // Names resolve from this file only: no name server answers at 127.0.0.1:53, so nothing else resolves (squid
    // answers an error after its DNS timeout, made short).
    lines.add("hosts_file " + directory.resolve("hosts"));
    lines.add("dns_nameservers 127.0.0.1");
    lines.add("dns_timeout 1 second");
    if (runsAsRoot()) {
      lines.add("cache_effective_user " + EFFECTIVE_USER);
    }
    lines.add("acl loopback src 127.0.0.0/8");
    if (user != null) {
      lines.add("auth_param basic program " + BASIC_NCSA_AUTH + " " + directory.resolve("htpasswd"));
      lines.add("auth_param basic realm jgit-pomerium test proxy");
      lines.add("acl authenticated proxy_auth REQUIRED");
      lines.add("http_access deny !authenticated");
    }
    lines.add("http_access allow loopback");
    lines.add("http_access deny all");
    Path config = directory.resolve("squid.conf");
    Files.writeString(config, String.join("\n", lines) + "\n", US_ASCII);
    return config;
  }

  /** Starts squid on free ports, trying others if another process took one meanwhile. */
  private void startSquid() throws IOException, InterruptedException {
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int http = Daemons.freePort();
      int tls = https ? Daemons.freePort() : 0;
      Path config = writeConfig(http, tls);
      Process process = new ProcessBuilder(SQUID.toString(), "-N", "-d", "1", "-f", config.toString())
          .directory(directory.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("squid.out").toFile()))
          .start();
      List<Integer> ports = https ? List.of(http, tls) : List.of(http);
      // Another program on a port would accept too: squid also says which ports it took.
      if (Daemons.awaitAccepting(process, ports, READY_TIMEOUT) && awaitListening(process, ports)) {
        squid = process;
        httpPort = http;
        httpsPort = tls;
        return;
      }
      Daemons.kill(process);
    }
    throw new IllegalStateException("squid did not start on 127.0.0.1 in " + BIND_ATTEMPTS + " attempts:\n"
        + Daemons.read(directory.resolve("squid.out")) + log());
  }

  /** Waits (at most 5 s) until squid's log says it accepts connections on each of {@code ports}. */
  private boolean awaitListening(Process process, List<Integer> ports) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (process.isAlive() && System.nanoTime() - deadline < 0) {
      String log = Daemons.read(directory.resolve("cache.log")) + Daemons.read(directory.resolve("squid.out"));
      if (ports.stream().allMatch(port -> log.contains("connections at ")
          && log.contains(" local=127.0.0.1:" + port + " "))) {
        return true;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return false;
  }

  /**
   * Stops squid and its helpers, and deletes its directory. It is killed: it caches nothing and has written each
   * request's log line, and even with {@code shutdown_lifetime 0} its orderly shutdown takes two seconds.
   */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      Daemons.kill(squid);
    } finally {
      Daemons.deleteTree(directory);
    }
  }

  @Override
  public String toString() {
    return "SquidProxy{" + httpUrl() + (https ? ", " + "https://127.0.0.1:" + httpsPort : "")
        + (user != null ? ", Basic authentication" : "") + ", hosts=" + hosts.keySet() + "}";
  }
}
