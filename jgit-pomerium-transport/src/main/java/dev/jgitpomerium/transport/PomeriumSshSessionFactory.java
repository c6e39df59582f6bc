package dev.jgitpomerium.transport;

// Over 400 lines because of its nested public Builder (about 430 lines, most of them the Javadoc of each setting),
// which stays nested as PomeriumSshSessionFactory.Builder so that the public API does not change; the rest is the
// factory's public methods and JGit's hooks, with their Javadoc. Its work is done elsewhere: routing in
// internal.routing.Router, the configuration in internal.config.Config, keepalive in internal.session.KeepAlive,
// failure messages in internal.session.ConnectionFailures, default keys in internal.session.DefaultKeys, host-key
// scans in internal.session.HostKeyScans.

import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.config.Compatibility;
import dev.jgitpomerium.transport.internal.config.Config;
import dev.jgitpomerium.transport.internal.config.FactoryRuntime;
import dev.jgitpomerium.transport.internal.config.SystemConfiguration;
import dev.jgitpomerium.transport.internal.doctor.Doctor;
import dev.jgitpomerium.transport.internal.proxy.ForwardProxies;
import dev.jgitpomerium.transport.internal.proxy.ProxyException;
import dev.jgitpomerium.transport.internal.relay.LoopbackRelay;
import dev.jgitpomerium.transport.internal.reuse.ConnectionPool;
import dev.jgitpomerium.transport.internal.reuse.ReusePolicy;
import dev.jgitpomerium.transport.internal.routing.PomeriumCliCommand;
import dev.jgitpomerium.transport.internal.routing.PomeriumProxyDataFactory;
import dev.jgitpomerium.transport.internal.routing.Router;
import dev.jgitpomerium.transport.internal.session.Askpass;
import dev.jgitpomerium.transport.internal.session.ConnectionFailures;
import dev.jgitpomerium.transport.internal.session.DefaultKeys;
import dev.jgitpomerium.transport.internal.session.HostKeyScans;
import dev.jgitpomerium.transport.internal.session.KeepAlive;
import dev.jgitpomerium.transport.internal.session.KeyPassphrases;
import dev.jgitpomerium.transport.internal.session.KnownHosts;
import dev.jgitpomerium.transport.internal.session.Pem;
import dev.jgitpomerium.transport.internal.session.SessionLookups;
import dev.jgitpomerium.transport.internal.signin.SignInConsole;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import dev.jgitpomerium.transport.internal.token.TokenChain;
import dev.jgitpomerium.transport.internal.token.TokenFiles;
import dev.jgitpomerium.transport.internal.token.WorkloadIdentity;
import dev.jgitpomerium.transport.internal.tunnel.CertificateFilter;
import dev.jgitpomerium.transport.internal.tunnel.ClientKeyStores;
import dev.jgitpomerium.transport.internal.tunnel.Failures;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.KeyPasswordProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSession;
import org.eclipse.jgit.util.FS;

/**
 * JGit's Apache MINA SSH session factory, with connections to hosts behind Pomerium carried through an in-process
 * Pomerium TCP tunnel. Hosts that match no {@link Route} are connected exactly as stock JGit would (directly, or
 * through the JVM's proxy settings); keys, {@code known_hosts} and {@code ~/.ssh/config} work as usual, and host keys
 * are checked against the real host name.
 *
 * <p>Use it per command, JVM-wide, or with no code at all:
 *
 * <pre>{@code
 * PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
 *     .route("git.corp.example.com:22")
 *     .pomeriumUrl("https://pomerium.corp.example.com")
 *     .tokenFile(Path.of("/run/secrets/pomerium-token"))
 *     .build();
 *
 * Git.cloneRepository().setURI("ssh://git@git.corp.example.com/group/project.git")
 *     .setTransportConfigCallback(pomerium)          // this command only
 *     .call();
 * SshSessionFactory.setInstance(pomerium);            // or every JGit SSH connection in this JVM
 * }</pre>
 *
 * <p>The public no-argument constructor is for {@link java.util.ServiceLoader}: this jar registers it as an {@link
 * SshSessionFactory}, and it reads its configuration from system properties and environment variables on first use
 * (the README lists them); with none set it behaves exactly like JGit's own factory.
 *
 * <p>Key passphrases and the host-key question go to the JGit command's {@code CredentialsProvider}; a command with
 * none asks through {@code SSH_ASKPASS} where OpenSSH would ({@code SSH_ASKPASS_REQUIRE=force}, or {@code prefer}
 * with a display, or a display and no terminal), and never on a terminal: a library does not read it.
 *
 * <p>Its configuration is fixed when it is made: by {@link Builder#build()}, or for the no-argument constructor at
 * first use (then read once). Nothing can change it afterwards: JGit's setters {@link #setHomeDirectory} and {@link
 * #setSshDirectory} throw (use {@link Builder#homeDirectory} and {@link Builder#sshDirectory}); {@link #newBuilder()}
 * starts a new factory from this one's configuration. What does change is state, as in any JGit factory: its open
 * sessions, its tunnels, its relay, the tokens in its {@link TokenStore}, and what it has learned from ssh config
 * for the connection being made.
 *
 * <p>Close the factory when done to end its tunnels and its loopback relay.
 *
 * <p>Runs with the JGit and Apache MINA sshd the application pins, from JGit 7.4 with sshd 2.16 (as Spring Cloud 2025.1
 * brings) to JGit 7.8 with sshd 2.19 (the README's "Supported versions" says what differs on older ones). Versions
 * outside that range are logged once as untested; should one lack what this library uses, the connection fails
 * naming the versions found and the ones supported.
 */
public class PomeriumSshSessionFactory extends UserKeysSessionFactory implements TransportConfigCallback {
  /** SSH keepalive interval when neither code, environment nor ~/.ssh/config sets one: below common idle cut-offs. */
  public static final int DEFAULT_SERVER_ALIVE_SECONDS = 30;
  /** Unanswered keepalives before a session is given up when nothing sets {@code ServerAliveCountMax}; OpenSSH's. */
  public static final int DEFAULT_SERVER_ALIVE_COUNT_MAX = 3;
  /**
   * How long an SSH connection nobody uses stays open for the next operation to the same destination, when neither
   * code, environment nor ~/.ssh/config's {@code ControlPersist} says (see {@link Builder#connectionReuse}).
   */
  public static final int DEFAULT_CONNECTION_REUSE_SECONDS = 60;

  /** How long a tunnel opened for JGit waits for JGit to claim it; JGit does so within milliseconds. */
  private static final Duration GRANT_TTL = Duration.ofSeconds(10);
  /** How long opening a channel on a shared connection may take when JGit's operation has no timeout. */
  private static final Duration CHANNEL_OPEN_TIMEOUT = Duration.ofSeconds(30);

  /** The configuration, made at build() or, for the ServiceLoader's factory, read at first use. */
  private final Lazy<Config> config;
  private final Router router;
  private final LoopbackRelay relay;
  private final Lazy<TunnelDialer> dialer;
  private final List<Path> identityFiles;
  private final List<Path> knownHostsFiles;
  /** Keys that could not be decrypted, for the message of a login that fails. */
  private final KeyPassphrases.Log passphrases = new KeyPassphrases.Log();
  private final ConnectionFailures failures;
  private final ConnectionPool connections = new ConnectionPool(this::reusePolicy);

  /**
   * Reads its configuration lazily from system properties and environment variables ({@code jgit.pomerium.*} /
   * {@code JGIT_POMERIUM_*}, documented in the README). For {@link java.util.ServiceLoader}.
   */
  public PomeriumSshSessionFactory() {
    this(Lazy.of(() -> builderFromEnvironment().config()), null, (FactoryRuntime) null);
  }

  /**
   * @param built the configuration when known now (from a Builder), else null (read at first use)
   * @param compiled what {@code built} compiles into, made by {@code build()} to validate it; null with {@code built}
   */
  private PomeriumSshSessionFactory(Lazy<Config> config, Config built, FactoryRuntime compiled) {
    this(config, built, new Router(config,
        compiled != null ? Lazy.done(compiled) : Lazy.of(() -> config.get().compile()), Builder::forProxyCommand));
  }

  private PomeriumSshSessionFactory(Lazy<Config> config, Config built, Router router) {
    this(config, built, router, new LoopbackRelay(GRANT_TTL, () -> router.runtime().listener()));
  }

  private PomeriumSshSessionFactory(Lazy<Config> config, Config built, Router router, LoopbackRelay relay) {
    super(null, new PomeriumProxyDataFactory(router, relay));
    Compatibility.running().warnIfOutsideRange();
    this.config = config;
    this.router = router;
    this.relay = relay;
    this.dialer = Lazy.of(() -> new TunnelDialer(router.runtime()));
    this.failures = new ConnectionFailures(router, passphrases);
    this.identityFiles = built == null ? null : built.identityFiles();
    this.knownHostsFiles = built == null ? null : built.knownHostsFiles();
    if (built != null && built.homeDirectory() != null) {
      super.setHomeDirectory(built.homeDirectory());
    }
    if (built != null && built.sshDirectory() != null) {
      super.setSshDirectory(built.sshDirectory());
    }
  }

  /**
   * A builder with this library's defaults. Unlike the no-argument constructor and {@link #builderFromEnvironment()},
   * it reads no system property or environment variable: only what the builder is told applies.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder preset with this factory's configuration (for the no-argument constructor: as read from system
   * properties and environment variables), as OkHttp's {@code client.newBuilder()}. What it builds is a new factory,
   * with its own tunnels, relay and sign-ins; this one is unchanged.
   *
   * @throws InvalidSettingException if this factory reads its configuration now and a setting is invalid
   */
  public Builder newBuilder() {
    return new Builder(config.get());
  }

  /** Not supported: the configuration is fixed. Use {@link Builder#homeDirectory}. */
  @Override
  public void setHomeDirectory(File homeDir) {
    throw new UnsupportedOperationException("the configuration of a PomeriumSshSessionFactory is fixed: use "
        + "PomeriumSshSessionFactory.builder().homeDirectory(...) or newBuilder()");
  }

  /** Not supported: the configuration is fixed. Use {@link Builder#sshDirectory}. */
  @Override
  public void setSshDirectory(File sshDir) {
    throw new UnsupportedOperationException("the configuration of a PomeriumSshSessionFactory is fixed: use "
        + "PomeriumSshSessionFactory.builder().sshDirectory(...) or newBuilder()");
  }

  /** This library's version, as sent in {@code User-Agent: jgit-pomerium/<version>}. */
  public static String version() {
    return dev.jgitpomerium.transport.internal.config.Version.get();
  }

  /**
   * A builder preset from the documented system properties and environment variables ({@code jgit.pomerium.*},
   * {@code JGIT_POMERIUM_*}), as the no-argument constructor reads them; later calls override them.
   *
   * @throws InvalidSettingException naming the setting whose value is invalid
   */
  public static Builder builderFromEnvironment() {
    return SettingValues.apply(new Builder(), SystemConfiguration.fromSystem());
  }

  /**
   * A builder preset from settings named as the system properties ({@code jgit.pomerium.routes}, {@code
   * jgit.pomerium.url}, {@code jgit.pomerium.tokenFile}, ..., the README lists them) plus {@code jgit.pomerium.token}
   * and {@code jgit.pomerium.bearerToken}, which have no system property, read from {@code settings}: a setting's
   * name to its value, or null when it is not set. Values are parsed and checked as the system properties are.
   * Neither system properties nor environment variables are read: this is for configuration sources of their own,
   * such as Spring's {@code Environment} (the {@code jgit-pomerium-spring-boot} module uses it) or a properties file.
   *
   * @throws InvalidSettingException naming the setting whose value is invalid
   */
  public static Builder builderFromSettings(Function<String, String> settings) {
    return SettingValues.apply(new Builder(),
        SystemConfiguration.fromSettings(Objects.requireNonNull(settings, "settings == null")));
  }

  /**
   * Signs in to {@code endpoint} now, whatever the cache holds (the CLI's {@code login}), and stores the token.
   * Uses the configured browser, console and timeout; fails like a connection would when no one can answer.
   *
   * @throws IOException if the sign-in fails, times out, or is not possible here (the message says why)
   * @throws IllegalStateException if a custom {@link TokenSource} replaced the built-in sign-in
   */
  public void signIn(PomeriumEndpoint endpoint) throws IOException {
    if (!(router.runtime().tokenSource() instanceof TokenChain chain)) {
      throw new IllegalStateException("signIn needs the built-in token chain, not a custom tokenSource");
    }
    Route route = Route.of(endpoint.host(), endpoint.port(), endpoint);
    try {
      chain.signInNow(route);
    } catch (IOException e) {
      ProxyException proxy = ProxyException.in(e);
      if (proxy != null && !(e instanceof PomeriumException)) {
        throw Failures.proxy(route, proxy);
      }
      throw e;
    }
  }

  /**
   * Makes this factory's relay serve connections from JGit factories of this process that take their proxy from the
   * JVM's ProxySelector (see {@link PomeriumProxySelector}), and returns the relay's address.
   */
  java.net.InetSocketAddress serveProxySelectorClients() throws IOException {
    relay.acceptInProcessPeers(router::dialForRelay);
    return relay.address();
  }

  /** Whether connections to {@code host} (no port known: a ProxySelector is asked by host only) go through us. */
  boolean routesHost(String name) {
    return router.routesHost(name);
  }

  /**
   * The Pomerium route a connection to {@code host} (as written in a git URL) and {@code port} (0: none given) takes:
   * one of this factory's routes, or one that ~/.ssh/config gives it with a {@code pomerium-cli tcp} ProxyCommand.
   * Empty if it does not go through Pomerium (directly, or through another ProxyCommand).
   */
  public Optional<Route> routeFor(String host, int port) throws IOException {
    return routeFor(host, port, null);
  }

  /**
   * Like {@link #routeFor(String, int)} for a URL that names a user (null: none), which {@code Match user} blocks
   * see.
   *
   * @throws SshConfigException if the ssh config cannot be followed (the connection would fail the same way)
   */
  public Optional<Route> routeFor(String host, int port, String user) throws IOException {
    return router.routeFor(host, port, user);
  }

  /**
   * Replaces JGit's reading of ssh config with this library's, which reads it as OpenSSH does ({@code Match},
   * {@code Include}, tokens, quotes, errors naming file and line; JGit evaluates no {@code Match}, keeps only the
   * first word of a {@code ProxyCommand}, and ignores a file it cannot parse). The one resolution made when JGit
   * looks a host up (on the connecting thread, just before it asks for a proxy) gives JGit every keyword it reads and
   * decides the route (see {@link Router}). A configuration that cannot be followed fails the connection: a host
   * whose ProxyCommand cannot be used is never connected directly.
   */
  @Override
  protected SshConfigStore createSshConfigStore(File home, File configFile, String localUserName) {
    if (configFile == null) {
      return super.createSshConfigStore(home, configFile, localUserName);
    }
    return withUserCertificates(new SshConfigStore() {
      @Override
      public HostConfig lookup(String hostName, int port, String userName) {
        return resolveForJGit(hostName, port, userName);
      }

      @Override
      public HostConfig lookupDefault(String hostName, int port, String userName) {
        return resolveForJGit(hostName, port, userName);
      }
    }, configFile);
  }

  private SshConfigStore.HostConfig resolveForJGit(String host, int port, String user) {
    try {
      SshConfig.Resolution resolution = router.resolve(host, port, user);
      SshConfigStore.HostConfig jgit = resolution.toJGit();
      router.lookedUp(resolution);
      SessionLookups.record(resolution.entry(), jgit);
      return jgit;
    } catch (SshConfigException e) {
      // JGit declares no exception here but calls it from a method that throws IOException: it then closes its
      // client and reports our message as the connection's failure.
      throw sneakyThrow(e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A ServiceLoader factory meets its configuration (system properties, environment) only here.
      throw sneakyThrow(new IOException("jgit-pomerium is misconfigured: " + e.getMessage(), e));
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneakyThrow(Throwable e) throws E {
    throw (E) e;
  }

  /**
   * A session on a connection to the same destination that this factory already has open, or on a new one (see
   * {@link Builder#connectionReuse}).
   */
  @Override
  public SshdSession getSession(URIish uri, CredentialsProvider credentialsProvider, FS fs, int timeoutMillis)
      throws TransportException {
    Duration channelTimeout = timeoutMillis > 0 ? Duration.ofMillis(timeoutMillis) : CHANNEL_OPEN_TIMEOUT;
    return connections.session(uri, credentialsProvider, () -> open(uri, credentialsProvider, fs, timeoutMillis),
        channelTimeout);
  }

  /**
   * Opens a connection as JGit does, then turns Nagle's algorithm off on it and keeps it alive (see {@link
   * Builder#serverAliveInterval}).
   */
  private ConnectionPool.Opened open(URIish uri, CredentialsProvider credentialsProvider, FS fs, int timeoutMillis)
      throws TransportException {
    SessionLookups lookups = new SessionLookups();
    SshdSession session = SessionLookups.during(lookups, () -> {
      // No CredentialsProvider on the command (nor a default): SSH_ASKPASS where OpenSSH would use it.
      CredentialsProvider asking;
      try {
        asking = credentialsProvider != null ? credentialsProvider : Askpass.credentialsProvider(askpass());
      } catch (IllegalArgumentException | IllegalStateException e) {
        // A ServiceLoader factory meets its configuration (system properties, environment) first here.
        throw new TransportException(uri, "jgit-pomerium is misconfigured: " + e.getMessage(), e);
      }
      return failures.explain(uri, lookups, () -> super.getSession(uri, asking, fs, timeoutMillis));
    });
    FactoryRuntime current = router.runtime();
    KeepAlive.start(session, uri, current.serverAliveInterval(), current.serverAliveCountMax(), lookups.target(),
        current.listener());
    return new ConnectionPool.Opened(session, lookups.target());
  }

  /** The reuse policy set in code or the environment, or null. */
  private ReusePolicy reusePolicy() {
    try {
      return router.runtime().connectionReuse();
    } catch (IllegalArgumentException | IllegalStateException e) {
      return ReusePolicy.OFF; // misconfigured: the connection itself reports it
    }
  }

  /** known_hosts as OpenSSH treats it; see {@link KnownHosts}. */
  @Override
  protected ServerKeyDatabase createServerKeyDatabase(File homeDir, File sshDir) {
    return new KnownHosts(getDefaultKnownHostsFiles(sshDir), router::proxied, () -> askpass().why());
  }

  /**
   * The host keys the SSH server {@code host} offers, one per key type ssh-keyscan fetches (Ed25519, ECDSA, RSA), in
   * that order, with the name known_hosts looks them up under: {@code ssh-keyscan} for hosts it cannot reach. The
   * server is reached as a git connection would reach it (through Pomerium, the host's ProxyCommand, or directly; ssh
   * config's HostName and Port apply), one connection per type; known_hosts is neither read nor written, and nothing
   * logs in. Check the keys' fingerprints with the server's administrator before trusting them.
   *
   * @param host the host as in a git URL (an ssh config alias, a name or an address)
   * @param port its port, or 0 for ssh config's (else 22)
   * @throws IOException if the server cannot be reached: the message names the host and port connected to and why (a
   *     {@link PomeriumException} in the cause chain says why for a host behind Pomerium)
   */
  public ScannedHostKeys scanHostKeys(String host, int port) throws IOException {
    File home = getHomeDirectory() != null ? getHomeDirectory() : FS.DETECTED.userHome();
    File ssh = getSshDirectory() != null ? getSshDirectory() : new File(home, ".ssh");
    if (!(getServerKeyDatabase(home, ssh) instanceof KnownHosts knownHosts)) {
      throw new IllegalStateException("host key scans need this factory's own known_hosts database");
    }
    return HostKeyScans.scan(knownHosts, host, port, failures,
        uri -> super.getSession(uri, null, FS.DETECTED, (int) Duration.ofSeconds(30).toMillis()));
  }

  /**
   * Walks what a connection to {@code urlOrHost} does, step by step, and says where and why it fails: ssh config
   * (which HostName, Port, User and ProxyCommand apply, and the route), the proxy, DNS, TCP, TLS (protocol, the
   * certificate chain and its expiry, the name check), the token (where it comes from and when it expires, never its
   * value), Pomerium's answer to {@code CONNECT}, the SSH server's identification string, and its host key against
   * {@code known_hosts}. Each step runs the code a connection runs. It never signs in or opens a browser (with no
   * token it goes on without one, to show what Pomerium answers), never asks anything, records no host key, and runs
   * no ProxyCommand (a {@code pomerium-cli tcp} line is followed in-process, as connections follow it). The built-in
   * token chain is asked without its sign-in; a {@link Builder#tokenSource custom token source} is asked as for a
   * connection's first attempt.
   *
   * <pre>{@code
   * Diagnosis diagnosis = factory.diagnose("git@git.corp.example.com:group/project.git");
   * if (!diagnosis.ok()) {
   *   Diagnosis.Step failed = diagnosis.firstFailure().orElseThrow();
   *   log.warn("{}; fix: {}", diagnosis.verdict(), failed.fix().orElse("-"));
   * }
   * }</pre>
   *
   * @param urlOrHost an SSH URL ({@code ssh://[user@]host[:port]/path}), an scp-like one ({@code [user@]host:path}),
   *     or a host ({@code [user@]host}), as given to git
   * @return the steps, in order; the first that failed carries the failure and the fix
   * @throws IllegalArgumentException if {@code urlOrHost} is none of these
   */
  public Diagnosis diagnose(String urlOrHost) {
    Objects.requireNonNull(urlOrHost, "urlOrHost == null");
    File home = getHomeDirectory() != null ? getHomeDirectory() : FS.DETECTED.userHome();
    File ssh = getSshDirectory() != null ? getSshDirectory() : new File(home, ".ssh");
    if (!(getServerKeyDatabase(home, ssh) instanceof KnownHosts knownHosts)) {
      throw new IllegalStateException("the doctor needs this factory's own known_hosts database");
    }
    return new Doctor(router, (host, port) -> HostKeyScans.probe(knownHosts, host, port, failures,
        uri -> super.getSession(uri, null, FS.DETECTED, (int) Duration.ofSeconds(30).toMillis())))
        .diagnose(urlOrHost);
  }

  /**
   * JGit's CredentialsProvider route for key passphrases, with OpenSSH's prompt; see {@link KeyPassphrases}. With no
   * CredentialsProvider on the JGit command, {@link #getSession} has put SSH_ASKPASS in its place where OpenSSH would
   * use it.
   */
  @Override
  protected KeyPasswordProvider createKeyPasswordProvider(CredentialsProvider provider) {
    return new KeyPassphrases(provider, passphrases, this::keyFileOf, () -> askpass().why());
  }

  /**
   * Where OpenSSH would ask in this factory's environment, as far as a library may ask (never on the terminal); decided
   * per connection, as OpenSSH decides per prompt.
   */
  private Askpass.Decision askpass() {
    return Askpass.forLibrary(router.environment());
  }

  /**
   * JGit's default keys, offered as OpenSSH offers them (see {@link DefaultKeys}). Keys given to the builder (ssh's
   * {@code -i}) are always offered.
   */
  @Override
  protected Iterable<KeyPair> getDefaultKeys(File sshDirectory) {
    Iterable<KeyPair> defaults = super.getDefaultKeys(sshDirectory);
    SessionLookups session = SessionLookups.current();
    if (identityFiles != null || session == null) {
      return defaults;
    }
    return new DefaultKeys(defaults, session);
  }

  @Override
  protected List<Path> getDefaultIdentities(File sshDirectory) {
    return identityFiles != null ? withCertificatesBeside(identityFiles) : super.getDefaultIdentities(sshDirectory);
  }

  @Override
  protected List<Path> getDefaultKnownHostsFiles(File sshDirectory) {
    return knownHostsFiles != null ? knownHostsFiles : super.getDefaultKnownHostsFiles(sshDirectory);
  }

  /** Makes {@code transport} use this factory if it is an SSH transport; other transports are left alone. */
  @Override
  public void configure(Transport transport) {
    if (transport instanceof SshTransport ssh) {
      ssh.setSshSessionFactory(this);
    }
  }

  /**
   * Closes the SSH connections it keeps for reuse, ends every tunnel and pending sign-in of this factory and stops its
   * relay, then closes JGit's sessions.
   */
  @Override
  public void close() {
    connections.close();
    router.close();
    relay.close();
    super.close();
  }

  /**
   * Signs out: removes the stored tokens of every Pomerium endpoint this factory routes to, so the next connection
   * signs in again. Tokens held by Pomerium's own session store stay valid until they expire.
   */
  public void signOut() throws IOException {
    FactoryRuntime current = router.runtime();
    for (Route route : current.routes()) {
      current.tokenStore().clear(route.endpoint());
    }
  }

  /**
   * Opens a raw TCP tunnel through Pomerium to {@code host:port}, which must match one of this factory's routes: for
   * programs that speak something other than JGit's SSH over it (an ssh {@code ProxyCommand}, a local port). Token,
   * sign-in and the single retry work as for JGit's connections. Closing the socket ends the tunnel.
   *
   * @throws PomeriumException if Pomerium refuses or cannot be reached; IllegalArgumentException if no route matches
   */
  public Socket openTunnel(String host, int port) throws IOException {
    FactoryRuntime current = router.runtime();
    Route route = current.routeFor(host, port);
    if (route == null) {
      throw new IllegalArgumentException("no route for " + host + ":" + port + " (routes: " + current.routes() + ")");
    }
    return dialer.get().open(route).socket();
  }

  /** The routes in effect (for the system-property configuration: as read on first use). */
  public List<Route> routes() {
    return router.runtime().routes();
  }

  /** Where signed-in tokens are kept. */
  public TokenStore tokenStore() {
    return router.runtime().tokenStore();
  }

  /** Tunnels currently carrying SSH traffic. */
  public int activeTunnels() {
    return relay.activeTunnels();
  }

  /**
   * Builds a {@link PomeriumSshSessionFactory} whose configuration is fixed by {@link #build()} (the factory's Javadoc
   * says what that covers); every setter checks its argument at once. A builder may be reused: {@code build()} copies
   * its state.
   */
  public static final class Builder {
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    private final List<String> routeSpecs = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private String pomeriumUrl;
    private TokenSource customTokenSource;
    private TokenChain.Named serviceAccount;
    private TokenChain.Named bearer;
    private String tokenCommand;
    private PomeriumToken.Scheme tokenCommandScheme;
    private TokenStore tokenStore;
    private BrowserLauncher browserLauncher = BrowserLauncher.system();
    private boolean useBrowser = true;
    private boolean browserChosen;
    private Boolean interactive;
    private Duration signInTimeout = Duration.ofMinutes(5);
    private SignInConsole console = SignInConsole.system();
    private UnaryOperator<String> environment = System::getenv;
    private final List<X509Certificate> extraCas = new ArrayList<>();
    private List<X509Certificate> clientChain;
    private PrivateKey clientKey;
    private boolean tlsVerificationDisabled;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration serverAliveInterval;
    private Integer serverAliveCountMax;
    private Duration responseTimeout = Duration.ofSeconds(15);
    private PomeriumEventListener listener = PomeriumEventListener.NONE;
    private File homeDirectory;
    private File sshDirectory;
    private List<Path> identityFiles;
    private List<Path> knownHostsFiles;
    private ClientKeyStores.Source clientKeyStore;
    private CertificateFilter clientCertIssuer;
    private CertificateFilter clientCertSubject;
    private WorkloadIdentity workloadIdentity;
    private String forwardProxy;
    private String forwardProxySource;
    private ReusePolicy connectionReuse;

    private Builder() {}

    /** A builder preset with {@code config} (a factory's {@code newBuilder()}). */
    private Builder(Config config) {
      routeSpecs.addAll(config.routeSpecs());
      routes.addAll(config.routes());
      pomeriumUrl = config.pomeriumUrl();
      customTokenSource = config.customTokenSource();
      serviceAccount = config.serviceAccount();
      bearer = config.bearer();
      tokenCommand = config.tokenCommand();
      tokenCommandScheme = config.tokenCommandScheme();
      tokenStore = config.tokenStore();
      browserLauncher = config.browserLauncher();
      useBrowser = config.useBrowser();
      browserChosen = config.browserChosen();
      interactive = config.interactive();
      signInTimeout = config.signInTimeout();
      console = config.console();
      environment = config.environment();
      extraCas.addAll(config.extraCas());
      clientChain = config.clientChain();
      clientKey = config.clientKey();
      tlsVerificationDisabled = config.tlsVerificationDisabled();
      connectTimeout = config.connectTimeout();
      responseTimeout = config.responseTimeout();
      serverAliveInterval = config.serverAliveInterval();
      serverAliveCountMax = config.serverAliveCountMax();
      listener = config.listener();
      homeDirectory = config.homeDirectory();
      sshDirectory = config.sshDirectory();
      identityFiles = config.identityFiles();
      knownHostsFiles = config.knownHostsFiles();
      clientKeyStore = config.clientKeyStore();
      clientCertIssuer = config.clientCertIssuer();
      clientCertSubject = config.clientCertSubject();
      workloadIdentity = config.workloadIdentity();
      forwardProxy = config.forwardProxy();
      forwardProxySource = config.forwardProxySource();
      connectionReuse = config.connectionReuse();
    }

    /**
     * Routes an SSH host through Pomerium, in one of pomerium-cli's forms ({@code host:port},
     * {@code tcp+https://host:port}, {@code tcp+https://pomerium-host[:port]/host:port}); see {@link Route}.
     */
    public Builder route(String spec) {
      Route.parse(spec);
      routeSpecs.add(spec);
      return this;
    }

    /** Routes an SSH host through an explicit endpoint; {@link #pomeriumUrl} does not change it. */
    public Builder route(Route route) {
      routes.add(Objects.requireNonNull(route, "route == null"));
      return this;
    }

    /**
     * The Pomerium URL for every route given as a string, as pomerium-cli's {@code --pomerium-url}: e.g.
     * {@code https://pomerium.corp.example.com} (port 443 unless given). Without it a route {@code host:port} goes
     * to {@code https://host:443}.
     */
    public Builder pomeriumUrl(String url) {
      PomeriumEndpoint.parse(url);
      this.pomeriumUrl = url;
      return this;
    }

    /**
     * Replaces the whole token chain (service account, bearer token, command, cache, sign-in) with {@code source};
     * see {@link TokenSource}.
     */
    public Builder tokenSource(TokenSource source) {
      this.customTokenSource = Objects.requireNonNull(source, "tokenSource == null");
      return this;
    }

    /** A Pomerium service-account JWT (pomerium-cli's {@code --service-account}). */
    public Builder token(String jwt) {
      return serviceAccount(new TokenChain.Named("service-account token", TokenSource.of(jwt)));
    }

    /**
     * A Pomerium service-account JWT in a file, read again at every connect (pomerium-cli's {@code
     * --service-account-file}); see {@link TokenSource#fromFile}.
     */
    public Builder tokenFile(Path file) {
      return serviceAccount(new TokenChain.Named("service-account token file", TokenSource.fromFile(file)));
    }

    /**
     * A service-account token and a CI identity token are two answers to "which token is sent": the later one given
     * replaces the earlier (as a command-line flag replaces an environment setting), and the log says so, since the
     * service account, tried first, would otherwise silently win.
     */
    private Builder serviceAccount(TokenChain.Named serviceAccount) {
      if (workloadIdentity != null) {
        LoggerHolder.LOG.info("the {} replaces the {} given earlier", serviceAccount.name(),
            WorkloadIdentity.describe(workloadIdentity));
        workloadIdentity = null;
      }
      this.serviceAccount = serviceAccount;
      return this;
    }

    /**
     * An identity-provider token, sent as {@code Authorization: Bearer}, for routes with {@code bearer_token_format}.
     */
    public Builder bearerToken(String token) {
      PomeriumToken bearerToken = PomeriumToken.bearer(token);
      this.bearer = new TokenChain.Named("bearer token", r -> r.isSignInRequired() ? null : bearerToken);
      this.workloadIdentity = null;
      return this;
    }

    /** An identity-provider token in a file, read again at every connect, sent as {@code Authorization: Bearer}. */
    public Builder bearerTokenFile(Path file) {
      this.bearer = new TokenChain.Named("bearer token file", TokenFiles.source(file, PomeriumToken.Scheme.BEARER));
      this.workloadIdentity = null;
      return this;
    }

    /**
     * GitHub Actions' OIDC token, requested for every connection and sent as {@code Authorization: Bearer}, for
     * Pomerium routes with {@code bearer_token_format: jwt} that trust GitHub's issuer ({@code
     * https://token.actions.githubusercontent.com}) for this audience. The token is requested from {@code
     * ACTIONS_ID_TOKEN_REQUEST_URL} with {@code ACTIONS_ID_TOKEN_REQUEST_TOKEN}, which the runner sets only for a job
     * with {@code permissions: id-token: write}; without them a connection fails saying so. It is never cached or
     * written anywhere. Like the other identity-provider tokens, it replaces an earlier {@link #bearerToken}, {@link
     * #bearerTokenFile}, {@link #bearerTokenFromEnvironment} or {@link #kubernetesServiceAccountToken}.
     *
     * @param audience the token's {@code aud}: one of the {@code audiences} Pomerium's {@code identity_providers}
     *     entry for GitHub lists
     */
    public Builder githubActionsOidcToken(String audience) {
      Objects.requireNonNull(audience, "audience == null");
      return workloadIdentity(new WorkloadIdentity.GitHubActions(audience));
    }

    /**
     * As {@link #githubActionsOidcToken(String)}, with the Pomerium URL being connected to as the audience, e.g.
     * {@code https://pomerium.corp.example.com} (no path, no port when it is 443): the convention Pomerium's guide
     * for GitHub Actions follows, which binds the token to this Pomerium.
     */
    public Builder githubActionsOidcToken() {
      return workloadIdentity(new WorkloadIdentity.GitHubActions(null));
    }

    /**
     * An identity token that the CI puts in the environment variable {@code name} (GitLab's {@code id_tokens},
     * CircleCI's {@code CIRCLE_OIDC_TOKEN_V2}, the output of Buildkite's {@code buildkite-agent oidc
     * request-token}), read again for every connection and sent as {@code Authorization: Bearer}. A variable that is
     * unset or empty, or a token whose {@code exp} has passed, fails the connection naming the variable.
     */
    public Builder bearerTokenFromEnvironment(String name) {
      return workloadIdentity(new WorkloadIdentity.EnvironmentVariable(name));
    }

    /**
     * A projected Kubernetes service-account token (a {@code serviceAccountToken} volume source with the audience
     * Pomerium expects), read again for every connection, since the kubelet replaces it before it expires, and sent
     * as {@code Authorization: Bearer}. Failures name the file and say what to mount.
     */
    public Builder kubernetesServiceAccountToken(Path file) {
      return workloadIdentity(new WorkloadIdentity.KubernetesTokenFile(file));
    }

    private Builder workloadIdentity(WorkloadIdentity identity) {
      if (serviceAccount != null) {
        LoggerHolder.LOG.info("the {} replaces the {} given earlier", WorkloadIdentity.describe(identity),
            serviceAccount.name());
        serviceAccount = null;
      } else if (workloadIdentity != null && !workloadIdentity.equals(identity)) {
        LoggerHolder.LOG.info("the {} replaces the {} given earlier", WorkloadIdentity.describe(identity),
            WorkloadIdentity.describe(workloadIdentity));
      }
      this.workloadIdentity = identity;
      this.bearer = null;
      return this;
    }

    /**
     * A command, run through the shell at each connect, whose standard output is a Pomerium JWT, e.g. {@code
     * pomerium-cli auth https://pomerium.corp.example.com:443}. {@code POMERIUM_URL} and {@code
     * POMERIUM_DESTINATION} are in its environment; it may take up to the sign-in timeout.
     */
    public Builder tokenCommand(String commandLine) {
      return tokenCommand(commandLine, PomeriumToken.Scheme.POMERIUM);
    }

    /** Like {@link #tokenCommand}, for a command that prints an identity-provider token (a CI OIDC helper). */
    public Builder bearerTokenCommand(String commandLine) {
      return tokenCommand(commandLine, PomeriumToken.Scheme.BEARER);
    }

    private Builder tokenCommand(String commandLine, PomeriumToken.Scheme scheme) {
      Objects.requireNonNull(commandLine, "tokenCommand == null");
      if (commandLine.isBlank()) {
        throw new IllegalArgumentException("tokenCommand is empty");
      }
      this.tokenCommand = commandLine;
      this.tokenCommandScheme = scheme;
      return this;
    }

    /** Where signed-in tokens are kept. Default: {@link TokenStore#pomeriumCli()}, shared with pomerium-cli. */
    public Builder tokenStore(TokenStore store) {
      this.tokenStore = Objects.requireNonNull(store, "tokenStore == null");
      return this;
    }

    /** Opens sign-in pages. Default: {@link BrowserLauncher#system()}. */
    public Builder browserLauncher(BrowserLauncher launcher) {
      this.browserLauncher = Objects.requireNonNull(launcher, "browserLauncher == null");
      this.useBrowser = true;
      this.browserChosen = true;
      return this;
    }

    /**
     * Opens sign-in pages with a command (pomerium-cli's {@code --browser-cmd}); see {@link BrowserLauncher#command}.
     */
    public Builder browserCommand(String commandLine) {
      return browserLauncher(BrowserLauncher.command(commandLine));
    }

    /**
     * Never starts a browser: the sign-in address is shown, and the user opens it on any machine, then pastes back the
     * address the browser ended on (or the token). Automatic on Linux without a display.
     */
    public Builder noBrowser() {
      this.useBrowser = false;
      this.browserChosen = true;
      return this;
    }

    /**
     * Whether a sign-in may wait for a person. Unset, the run decides: never under CI (a {@code CI}, {@code
     * JENKINS_URL}, ... variable is set); else yes when a browser can be shown (a display: {@code DISPLAY} or {@code
     * WAYLAND_DISPLAY} on Linux and other Unix, always on macOS and Windows; or a browser command or launcher given)
     * or a console can take the pasted address, so an IDE or a desktop script signs in without a console; with
     * neither, no. When it may not, a connection that needs a sign-in fails at once with a message naming what to
     * provide. {@code true} waits up to {@link #signInTimeout} even under CI; {@code false} never waits.
     */
    public Builder interactive(boolean interactive) {
      this.interactive = interactive;
      return this;
    }

    /** The whole interactive sign-in, from asking Pomerium for the page to receiving the token. Default 5 min. */
    public Builder signInTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "signInTimeout == null");
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("signInTimeout must be between 0 and 1 hour: " + timeout);
      }
      this.signInTimeout = timeout;
      return this;
    }

    /**
     * Where sign-in shows the address and hints ({@code out}) and reads a pasted address ({@code in}, may be null).
     * Default: standard error and the terminal. Never standard output: it may carry SSH.
     */
    public Builder console(InputStream in, PrintStream out) {
      this.console = SignInConsole.of(in, Objects.requireNonNull(out, "out == null"));
      return this;
    }

    /** Environment variables, for tests of CI and display detection. */
    Builder environment(UnaryOperator<String> environment) {
      this.environment = Objects.requireNonNull(environment, "environment == null");
      return this;
    }

    /**
     * Trusts the CA certificates in a PEM file in addition to the JVM's own (pomerium-cli's
     * {@code --alternate-ca-path}).
     */
    public Builder addCaCertificates(Path pemFile) {
      return addCaCertificatesPem(read(pemFile, "CA certificate file"), pemFile.toString());
    }

    /** Trusts the CA certificates in PEM text in addition to the JVM's own. */
    public Builder addCaCertificatesPem(String pem) {
      return addCaCertificatesPem(pem, "CA certificate PEM");
    }

    private Builder addCaCertificatesPem(String pem, String what) {
      try {
        extraCas.addAll(Pem.certificates(Objects.requireNonNull(pem, "pem == null")));
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use " + what + ": " + e.getMessage(), e);
      }
      return this;
    }

    /** Presents this client certificate (chain) and key when Pomerium asks for one (mTLS); both are PEM files. */
    public Builder clientCertificate(Path certificatePem, Path privateKeyPem) {
      String certs = read(certificatePem, "client certificate file");
      String key = read(privateKeyPem, "client key file");
      try {
        this.clientChain = Pem.certificates(certs);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use client certificate " + certificatePem + ": " + e.getMessage(),
            e);
      }
      try {
        this.clientKey = Pem.privateKey(key);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use client key " + privateKeyPem + ": " + e.getMessage(), e);
      }
      this.clientKeyStore = null;
      return this;
    }

    /**
     * Presents a client certificate from a PKCS#12 file ({@code .p12}, {@code .pfx}: what {@code openssl pkcs12
     * -export} and {@code keytool} write) when Pomerium asks for one. The file is read and decrypted now; the password
     * is not kept (clear the array afterwards if you like). With several keys in the file the first whose certificate
     * is valid now is used, or the first matching {@link #clientCertificateIssuer} and {@link
     * #clientCertificateSubject}. A certificate that has expired is still presented, as OpenSSL does, with a warning
     * in the log. Replaces any client certificate set before.
     *
     * @param password the file's password ({@code new char[0]} for none)
     * @throws IllegalArgumentException naming the file (never the password) if it cannot be read, is not PKCS#12, the
     *     password is wrong, or it holds no private key
     */
    public Builder clientCertificatePkcs12(Path file, char[] password) {
      Objects.requireNonNull(file, "file == null");
      Objects.requireNonNull(password, "password == null");
      this.clientKeyStore = ClientKeyStores.pkcs12(file, password);
      this.clientChain = null;
      this.clientKey = null;
      return this;
    }

    /**
     * Like {@link #clientCertificatePkcs12(Path, char[])}, with the password read now from {@code passwordFile}: its
     * first line, without the line end (as OpenSSL's {@code -passin file:}).
     */
    public Builder clientCertificatePkcs12(Path file, Path passwordFile) {
      Objects.requireNonNull(passwordFile, "passwordFile == null");
      String content;
      try {
        content = Files.readString(passwordFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read client certificate password file " + passwordFile + ": " + e,
            e);
      }
      int end = content.indexOf('\n');
      String line = end < 0 ? content : content.substring(0, end);
      char[] password = (line.endsWith("\r") ? line.substring(0, line.length() - 1) : line).toCharArray();
      try {
        return clientCertificatePkcs12(file, password);
      } finally {
        java.util.Arrays.fill(password, '\0');
      }
    }

    /**
     * Presents a client certificate from the operating system's store, as pomerium-cli's {@code
     * --client-cert-from-store}: the macOS keychain ({@code KeychainStore}) or the Windows current user's personal
     * store ({@code Windows-MY}), through the JVM's own providers. The private key may stay in the store (a smart
     * card, a non-exportable key): it is used there. Of the store's certificates with a private key, those valid now
     * and matching {@link #clientCertificateIssuer} and {@link #clientCertificateSubject} are offered, and TLS presents
     * the first one whose issuer Pomerium accepts. The store is read at {@link #build()}. Replaces any client
     * certificate set before.
     *
     * @throws IllegalArgumentException on other systems (Linux has no such store): the message says so
     */
    public Builder clientCertificateFromStore() {
      return clientCertificateFromStore(ClientKeyStores.platform());
    }

    /** A key store in place of the platform's, for tests where there is none. */
    Builder clientCertificateFromStore(ClientKeyStores.Source store) {
      this.clientKeyStore = Objects.requireNonNull(store, "store == null");
      this.clientChain = null;
      this.clientKey = null;
      return this;
    }

    /**
     * Chooses the client certificate of a PKCS#12 file or the platform store by its issuer, as pomerium-cli's {@code
     * --client-cert-issuer}: {@code attribute=value}, e.g. {@code CN=Corp Device CA}; the attribute is one of {@code
     * CN}, {@code C}, {@code L}, {@code O}, {@code OU}, {@code ST}, {@code STREET}, {@code postalCode}, {@code
     * serialNumber} (or their long names, any case), the value is compared exactly.
     *
     * @throws IllegalArgumentException if the filter is not {@code attribute=value} with such an attribute
     */
    public Builder clientCertificateIssuer(String filter) {
      this.clientCertIssuer = CertificateFilter.parse(filter);
      return this;
    }

    /**
     * Chooses the client certificate of a PKCS#12 file or the platform store by its subject, as pomerium-cli's {@code
     * --client-cert-subject}, e.g. {@code CN=alice} or {@code O=Example}; see {@link #clientCertificateIssuer}.
     */
    public Builder clientCertificateSubject(String filter) {
      this.clientCertSubject = CertificateFilter.parse(filter);
      return this;
    }

    /**
     * Accepts any certificate from Pomerium, without checking its CA or host name. Anyone on the network path can
     * then impersonate Pomerium and take the token; a warning is logged at every connection. For test set-ups only.
     */
    public Builder disableTlsVerification() {
      this.tlsVerificationDisabled = true;
      return this;
    }

    /** Bound on the TCP connect to Pomerium. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = checkTimeout(timeout, "connectTimeout");
      return this;
    }

    /** Bound on the TLS handshake plus Pomerium's whole answer to {@code CONNECT}. Default 15 s. */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = checkTimeout(timeout, "responseTimeout");
      return this;
    }

    /**
     * How often to send an SSH keepalive when a session is open, as OpenSSH's {@code ServerAliveInterval}; {@link
     * Duration#ZERO} sends none. Load balancers and Pomerium's {@code idle_timeout} cut connections that stay silent,
     * as a push does while the server runs a slow hook. Default: the host's {@code ServerAliveInterval} in
     * ~/.ssh/config, else {@value PomeriumSshSessionFactory#DEFAULT_SERVER_ALIVE_SECONDS} s. Applies to every session
     * this factory makes.
     */
    public Builder serverAliveInterval(Duration interval) {
      Objects.requireNonNull(interval, "serverAliveInterval == null");
      boolean off = interval.isZero();
      if (!off && (interval.isNegative() || interval.toMillis() < 1 || interval.compareTo(MAX_TIMEOUT) > 0)) {
        throw new IllegalArgumentException("serverAliveInterval must be zero (off) or 1 ms to 10 min: " + interval);
      }
      this.serverAliveInterval = interval;
      return this;
    }

    /**
     * How many keepalives in a row may go unanswered before the session is closed as dead, as OpenSSH's {@code
     * ServerAliveCountMax}: a server that stops answering is given up after about {@code interval x (count + 1)}.
     * Default: the host's {@code ServerAliveCountMax} in ~/.ssh/config, else
     * {@value PomeriumSshSessionFactory#DEFAULT_SERVER_ALIVE_COUNT_MAX}.
     */
    public Builder serverAliveCountMax(int count) {
      if (count < 1 || count > 1000) {
        throw new IllegalArgumentException("serverAliveCountMax must be 1 to 1000: " + count);
      }
      this.serverAliveCountMax = count;
      return this;
    }

    /**
     * Receives the events of every connection, tunnel and sign-in of the factory (see {@link PomeriumEventListener}
     * for their order and threads). Default: {@link PomeriumEventListener#NONE}.
     */
    public Builder eventListener(PomeriumEventListener listener) {
      this.listener = Objects.requireNonNull(listener, "eventListener == null");
      return this;
    }

    /** The home directory whose {@code .ssh} holds keys, known_hosts and config. Default: JGit's (the user's). */
    public Builder homeDirectory(File home) {
      this.homeDirectory = Objects.requireNonNull(home, "homeDirectory == null");
      return this;
    }

    /** The SSH directory. Default: {@code .ssh} in the home directory. */
    public Builder sshDirectory(File directory) {
      this.sshDirectory = Objects.requireNonNull(directory, "sshDirectory == null");
      return this;
    }

    /**
     * Private keys to offer instead of {@code ~/.ssh/id_*} (ssh's {@code -i}); ssh config's IdentityFile still adds.
     */
    public Builder identityFiles(List<Path> files) {
      this.identityFiles = List.copyOf(files);
      return this;
    }

    /** known_hosts files to use instead of {@code ~/.ssh/known_hosts} and {@code known_hosts2}. */
    public Builder knownHostsFiles(List<Path> files) {
      this.knownHostsFiles = List.copyOf(files);
      return this;
    }

    /**
     * Reaches Pomerium (the tunnel and the sign-in requests) through this forward proxy, pomerium-cli's {@code
     * --forward-proxy}: {@code http://host:port} ({@code CONNECT}), {@code https://host:port} (TLS to the proxy,
     * checked against the proxy's name, then {@code CONNECT}), {@code socks5://host:port} (this side resolves
     * Pomerium's name) or {@code socks5h://host:port} (the proxy resolves it), each with optional percent-encoded
     * {@code user:password@} for Basic proxy authentication or SOCKS5's user name and password. A value without a
     * scheme is an HTTP proxy. {@code "direct"} connects directly whatever the JVM's proxy settings and {@code
     * HTTPS_PROXY} say.
     *
     * <p>Default: the JVM's {@code ProxySelector} when it names a proxy for Pomerium ({@code https.proxyHost}, {@code
     * socksProxyHost}, or a selector the program installed), else {@code HTTPS_PROXY}/{@code ALL_PROXY} unless
     * {@code NO_PROXY} names Pomerium's host, else directly. A proxy given here applies whatever {@code NO_PROXY}
     * says. Pomerium's TLS runs inside the proxy's tunnel, checked against Pomerium's own name; the credentials never
     * appear in a log or message.
     *
     * @throws IllegalArgumentException for an unsupported scheme, a URL without host or with a bad port, naming the
     *     value without its credentials
     */
    public Builder forwardProxy(String url) {
      return forwardProxy0(url, "forwardProxy");
    }

    /**
     * As {@link #forwardProxy(String)}, for a tool that takes the value from its user: {@code configuredAs} is how
     * messages name where it was set ({@code "--forward-proxy"}), as in "check the credentials in --forward-proxy".
     */
    public Builder forwardProxy(String url, String configuredAs) {
      if (configuredAs == null || configuredAs.isBlank()) {
        throw new IllegalArgumentException("configuredAs is empty");
      }
      return forwardProxy0(url, configuredAs.strip());
    }

    private Builder forwardProxy0(String url, String source) {
      this.forwardProxy = ForwardProxies.checkExplicit(url);
      this.forwardProxySource = source;
      return this;
    }

    /**
     * Shares one authenticated SSH connection between the JGit operations of this factory that go to the same
     * destination (user, host and port), each operation on a channel of its own, concurrent ones too, as OpenSSH's
     * {@code ControlMaster} shares one between ssh processes. A connection no operation has used for {@code keepIdle}
     * is closed ({@link Duration#ZERO}: as soon as the last operation ends); one the server or Pomerium closed, or
     * that refuses another channel (OpenSSH's {@code MaxSessions}), is replaced without failing the operation.
     * Host keys are checked and the user authenticated once per connection, as with OpenSSH's master connection: a
     * {@code CredentialsProvider} given to a later operation is not asked. {@link #close()} ends them all.
     *
     * <p>Default: on for every host, {@value PomeriumSshSessionFactory#DEFAULT_CONNECTION_REUSE_SECONDS} s idle, unless
     * the host's ~/.ssh/config says {@code ControlMaster no} or {@code ControlPath none} (off) or sets {@code
     * ControlPersist} ({@code no}: while in use; {@code yes}: until the factory closes; a time). Set here, it applies
     * to every host whatever ssh config says.
     *
     * @throws IllegalArgumentException if {@code keepIdle} is negative or longer than a day
     */
    public Builder connectionReuse(Duration keepIdle) {
      Objects.requireNonNull(keepIdle, "keepIdle == null");
      if (keepIdle.isNegative() || keepIdle.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("connectionReuse keeps an idle connection from 0 to 1 day: " + keepIdle);
      }
      this.connectionReuse = ReusePolicy.keepIdle(keepIdle);
      return this;
    }

    /**
     * Every operation opens an SSH connection of its own and closes it at the end, as JGit does by itself, whatever
     * ~/.ssh/config says (see {@link #connectionReuse}).
     */
    public Builder noConnectionReuse() {
      this.connectionReuse = ReusePolicy.OFF;
      return this;
    }

    /**
     * Builds the factory. With no route, only hosts whose ~/.ssh/config ProxyCommand runs {@code pomerium-cli tcp}
     * go through Pomerium.
     *
     * @throws IllegalArgumentException if a file named here (CA, client certificate) cannot be used, or the client
     *     certificate store has no certificate the filters choose
     * @throws IllegalStateException if the JGit or MINA sshd on the class path lacks what this library uses: the
     *     message names the versions found and the ones supported
     */
    public PomeriumSshSessionFactory build() {
      try {
        Config built = config();
        FactoryRuntime compiled = built.compile(); // validates now, not at the first connection
        return new PomeriumSshSessionFactory(Lazy.done(built), built, compiled);
      } catch (LinkageError e) {
        throw Compatibility.running().incompatible(e);
      }
    }

    /** This builder's state, frozen. */
    Config config() {
      return new Config(routeSpecs, routes, pomeriumUrl, customTokenSource, serviceAccount, bearer, tokenCommand,
          tokenCommandScheme, tokenStore, browserLauncher, useBrowser, browserChosen, interactive, signInTimeout,
          console, environment, extraCas, clientChain, clientKey, tlsVerificationDisabled, connectTimeout,
          responseTimeout, serverAliveInterval, serverAliveCountMax, listener, homeDirectory, sshDirectory,
          identityFiles, knownHostsFiles, clientKeyStore, clientCertIssuer, clientCertSubject, workloadIdentity,
          forwardProxy, forwardProxySource, connectionReuse);
    }

    /** The configuration for hosts behind a pomerium-cli ProxyCommand {@code line}: {@code base}, with its options. */
    static Config forProxyCommand(Config base, PomeriumCliCommand line) {
      return new Builder(base).withProxyCommandDefaults(line).config();
    }

    /**
     * Routes a pomerium-cli ProxyCommand's destination with that line's options, except where this builder already
     * says otherwise (settings in code or in the environment win over the ssh config line).
     */
    Builder withProxyCommandDefaults(PomeriumCliCommand line) {
      if (pomeriumUrl == null && line.pomeriumUrl() != null) {
        pomeriumUrl(line.pomeriumUrl());
      }
      line.caFiles().forEach(this::addCaCertificates);
      if (line.caCertBase64() != null) {
        addCaCertificatesPem(new String(java.util.Base64.getMimeDecoder().decode(line.caCertBase64().strip()),
            StandardCharsets.US_ASCII), "--ca-cert");
      }
      if (clientKey == null && clientKeyStore == null) {
        if (line.clientCert() != null && line.clientKey() != null) {
          clientCertificate(line.clientCert(), line.clientKey());
        } else if (line.clientCertFromStore()) {
          clientCertificateFromStore();
          if (clientCertIssuer == null && line.clientCertIssuer() != null) {
            clientCertificateIssuer(line.clientCertIssuer());
          }
          if (clientCertSubject == null && line.clientCertSubject() != null) {
            clientCertificateSubject(line.clientCertSubject());
          }
        }
      }
      if (line.disableTlsVerification()) {
        disableTlsVerification();
      }
      if (forwardProxy == null && line.forwardProxy() != null) {
        forwardProxy(line.forwardProxy(), "the ProxyCommand's --forward-proxy");
      }
      if (!browserChosen && line.browserCommand() != null) {
        browserCommand(line.browserCommand());
      }
      if (customTokenSource == null && serviceAccount == null && bearer == null && tokenCommand == null
          && workloadIdentity == null) {
        if (line.serviceAccount() != null) {
          token(line.serviceAccount());
        } else if (line.serviceAccountFile() != null) {
          tokenFile(line.serviceAccountFile());
        }
      }
      return route(line.destination());
    }

    /** The runtime this builder's configuration compiles into; also used for the system-property configuration. */
    FactoryRuntime settings() {
      return config().compile();
    }

    private static Duration checkTimeout(Duration timeout, String name) {
      Objects.requireNonNull(timeout, name + " == null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + timeout);
      }
      if (timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(name + " too large (at most 10 minutes): " + timeout);
      }
      if (timeout.toMillis() < 1) {
        throw new IllegalArgumentException(name + " too small (at least 1 ms): " + timeout);
      }
      return timeout;
    }

    private static String read(Path file, String what) {
      Objects.requireNonNull(file, what + " == null");
      try {
        return Files.readString(file, StandardCharsets.ISO_8859_1);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + e, e);
      }
    }
  }

  /** The factory's logger, outside the Builder's fields: the Builder is a plain value. */
  private static final class LoggerHolder {
    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PomeriumSshSessionFactory.class);

    private LoggerHolder() {}
  }
}
