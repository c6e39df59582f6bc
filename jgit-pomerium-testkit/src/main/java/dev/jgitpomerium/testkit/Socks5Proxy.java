package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jgitpomerium.testkit.internal.Daemons;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real SOCKS5 proxy for tests: Debian's microsocks, on 127.0.0.1 and a free port, optionally wanting a user name and
 * password (RFC 1929), as {@code socks5h://user:password@127.0.0.1:<port>} names it.
 *
 * <p><b>Names that resolve only at the proxy.</b> microsocks resolves the names clients send with the C library
 * ({@code getaddrinfo}), which reads the machine's {@code /etc/hosts}. So that a name resolves for the proxy and for
 * nothing else on the machine, microsocks runs with Debian's nss_wrapper ({@code LD_PRELOAD=libnss_wrapper.so},
 * {@code NSS_WRAPPER_HOSTS=<its own hosts file>}), the cwrap library made for exactly this: the C library's host
 * lookups in that one process look in that file first ({@link Builder#hostsEntry}, plus {@code localhost}); names
 * not in it fall through to the machine's resolver as before. This needs no privilege and no namespace (a {@code
 * unshare --mount} with a bind-mounted {@code /etc/hosts} would need CAP_SYS_ADMIN, which a CI container may lack),
 * and leaves {@code /etc/hosts} alone. A client on this machine does not know such a name (a {@code .test} name, RFC
 * 6761, is in no hosts file it reads and in no DNS), so it reaches that host only if it lets the proxy resolve the
 * name ({@code socks5h}, address type "domain name").
 *
 * <p>microsocks logs each tunnel it opens ({@code client[5] 127.0.0.1: connected to host:port}) to standard error,
 * which is kept in a file: {@link #connections()}. It logs nothing for a refused login.
 *
 * <p>It needs microsocks and libnss-wrapper; {@code ./test.sh} installs them. Without them it fails saying so. Nothing
 * system-wide is used, and {@link #close()} stops the proxy and deletes its directory.
 */
public final class Socks5Proxy implements AutoCloseable {
  private static final String INSTALL_HINT = "run ./test.sh, which installs them (apt-get install microsocks "
      + "libnss-wrapper)";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  private static final int BIND_ATTEMPTS = 5;
  private static final Pattern CONNECTED = Pattern.compile(": connected to (\\S+)$");

  private final Path directory;
  private final Map<String, String> hosts;
  private final String user;
  private final String password;
  private Process microsocks;
  private int port;

  private Socks5Proxy(Builder builder, Path directory) {
    this.directory = directory;
    this.hosts = Map.copyOf(builder.hosts);
    this.user = builder.user;
    this.password = builder.password;
  }

  /** Starts configuring a proxy. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures a {@link Socks5Proxy} before it starts. */
  public static final class Builder {
    private final Map<String, String> hosts = new LinkedHashMap<>();
    private String user;
    private String password;

    private Builder() {}

    /**
     * Makes {@code hostName} resolve to {@code address} (an IP literal) in the proxy's process, and only there: a line
     * of its nss_wrapper hosts file.
     */
    public Builder hostsEntry(String hostName, String address) {
      hosts.put(Objects.requireNonNull(hostName, "hostName"), Objects.requireNonNull(address, "address"));
      return this;
    }

    /** Requires the SOCKS5 user name and password method (RFC 1929) with these; other clients are refused. */
    public Builder credentials(String user, String password) {
      if (Objects.requireNonNull(user, "user").isEmpty() || Objects.requireNonNull(password, "password").isEmpty()
          || user.length() > 255 || password.length() > 255) {
        throw new IllegalArgumentException("user and password must have 1 to 255 characters");
      }
      this.user = user;
      this.password = password;
      return this;
    }

    /** Starts microsocks; returns once its port accepts connections. */
    public Socks5Proxy start() throws IOException, InterruptedException {
      Path nssWrapper = requireInstalled();
      return Daemons.startedOrClosed(new Socks5Proxy(this, Files.createTempDirectory("jgit-pomerium-socks5-")),
          proxy -> proxy.startMicrosocks(nssWrapper));
    }
  }

  /** The port the proxy listens on, at 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The proxy's address (always 127.0.0.1). */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** {@code <scheme>://127.0.0.1:<port>}, e.g. for {@code socks5h}. */
  public String url(String scheme) {
    return scheme + "://127.0.0.1:" + port;
  }

  /** {@code <scheme>://user:password@127.0.0.1:<port>}, user and password percent-encoded as URL user info. */
  public String url(String scheme, String user, String password) {
    return scheme + "://" + URLEncoder.encode(user, UTF_8).replace("+", "%20") + ":"
        + URLEncoder.encode(password, UTF_8).replace("+", "%20") + "@127.0.0.1:" + port;
  }

  /** The targets ({@code host:port}, as the client named them) of the tunnels the proxy opened so far, oldest first. */
  public List<String> connections() {
    List<String> targets = new ArrayList<>();
    for (String line : Daemons.read(directory.resolve("microsocks.log")).lines().toList()) {
      Matcher matcher = CONNECTED.matcher(line);
      if (matcher.find()) {
        targets.add(matcher.group(1));
      }
    }
    return targets;
  }

  /**
   * Waits until the proxy has opened at least {@code count} tunnels to {@code target} ({@code host:port}), e.g. one
   * more than a test counted before it acted.
   *
   * @return how many it opened: at least {@code count}, or fewer if {@code timeout} passed
   */
  public int awaitConnections(String target, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int opened = (int) connections().stream().filter(target::equalsIgnoreCase).count();
      if (opened >= count || System.nanoTime() - deadline >= 0) {
        return opened;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** What microsocks logged, for assertion messages. */
  public String log() {
    return "--- microsocks log ---\n" + Daemons.read(directory.resolve("microsocks.log"));
  }

  /** Fails, saying what to install, unless microsocks and nss_wrapper are there; returns the library's path. */
  private static Path requireInstalled() throws IOException {
    List<String> missing = new ArrayList<>();
    if (Daemons.onPath("microsocks") == null) {
      missing.add("microsocks on the PATH (microsocks)");
    }
    Path nssWrapper = findNssWrapper();
    if (nssWrapper == null) {
      missing.add("libnss_wrapper.so in /usr/lib (libnss-wrapper)");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("The SOCKS5 proxy tests need " + String.join(", ", missing) + ": "
          + INSTALL_HINT + ".");
    }
    return nssWrapper;
  }

  /** Debian installs it in the multiarch directory, e.g. /usr/lib/x86_64-linux-gnu. */
  private static Path findNssWrapper() throws IOException {
    Path plain = Path.of("/usr/lib/libnss_wrapper.so");
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    try (Stream<Path> directories = Files.list(Path.of("/usr/lib"))) {
      return directories.map(d -> d.resolve("libnss_wrapper.so")).filter(Files::isRegularFile).findFirst()
          .orElse(null);
    }
  }

  private void startMicrosocks(Path nssWrapper) throws IOException, InterruptedException {
    StringBuilder hostsFile = new StringBuilder("127.0.0.1 localhost\n");
    hosts.forEach((name, address) -> hostsFile.append(address).append(' ').append(name).append('\n'));
    Path hostsPath = Files.writeString(directory.resolve("hosts"), hostsFile.toString(), US_ASCII);
    Path log = directory.resolve("microsocks.log");
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int candidate = Daemons.freePort();
      List<String> command = new ArrayList<>(List.of("microsocks", "-i", "127.0.0.1", "-p",
          Integer.toString(candidate)));
      if (user != null) {
        command.addAll(List.of("-u", user, "-P", password));
      }
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(directory.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().put("LD_PRELOAD", nssWrapper.toString());
      builder.environment().put("NSS_WRAPPER_HOSTS", hostsPath.toString());
      Process process = builder.start();
      // microsocks exits at once when it cannot bind, so a port that accepts while it runs is its own.
      if (Daemons.awaitAccepting(process, List.of(candidate), READY_TIMEOUT) && process.isAlive()) {
        microsocks = process;
        port = candidate;
        return;
      }
      Daemons.stop(process);
    }
    throw new IllegalStateException("microsocks did not start on 127.0.0.1 in " + BIND_ATTEMPTS + " attempts:\n"
        + log());
  }

  /** Stops microsocks and deletes its directory. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      Daemons.stop(microsocks);
    } finally {
      Daemons.deleteTree(directory);
    }
  }

  @Override
  public String toString() {
    return "Socks5Proxy{" + url("socks5h") + (user != null ? ", user/password" : "") + ", hosts=" + hosts.keySet()
        + "}";
  }
}
