package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.Askpass;
import dev.jgitpomerium.transport.internal.CommandTokenSource;
import dev.jgitpomerium.transport.internal.Compatibility;
import dev.jgitpomerium.transport.internal.Failures;
import dev.jgitpomerium.transport.internal.HttpClients;
import dev.jgitpomerium.transport.internal.JGitSessions;
import dev.jgitpomerium.transport.internal.KeyPassphrases;
import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.LoopbackRelay;
import dev.jgitpomerium.transport.internal.Pem;
import dev.jgitpomerium.transport.internal.PomeriumCliCommand;
import dev.jgitpomerium.transport.internal.PomeriumProxyDataFactory;
import dev.jgitpomerium.transport.internal.PomeriumProxyDataFactory.Resolver;
import dev.jgitpomerium.transport.internal.ProxyCommands;
import dev.jgitpomerium.transport.internal.ServerAlive;
import dev.jgitpomerium.transport.internal.Settings;
import dev.jgitpomerium.transport.internal.SignInConsole;
import dev.jgitpomerium.transport.internal.SignInOptions;
import dev.jgitpomerium.transport.internal.SystemConfiguration;
import dev.jgitpomerium.transport.internal.TlsSetup;
import dev.jgitpomerium.transport.internal.TokenChain;
import dev.jgitpomerium.transport.internal.TokenFiles;
import dev.jgitpomerium.transport.internal.TunnelDialer;
import dev.jgitpomerium.transport.internal.session.KnownHosts;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
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
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.keyprovider.AbstractResourceKeyPairProvider;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.SessionContext;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;
import org.eclipse.jgit.transport.sshd.KeyPasswordProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.util.FS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger log = LoggerFactory.getLogger(PomeriumSshSessionFactory.class);
  /** How long a tunnel opened for JGit waits for JGit to claim it; JGit does so within milliseconds. */
  private static final Duration GRANT_TTL = Duration.ofSeconds(10);

  private final LoopbackRelay relay;
  private final Lazy<Settings> settings;
  private final Lazy<TunnelDialer> dialer;
  /** A fresh copy of the configuration this factory was made from, for settings derived from ProxyCommand lines. */
  private final Supplier<Builder> base;
  /** Settings per pomerium-cli ProxyCommand line (as expanded), made once. */
  private final Map<String, Settings> byProxyCommand = new ConcurrentHashMap<>();
  /** Hosts ({@code host:port}, after HostName and Port) that ssh config sends through a pomerium-cli ProxyCommand. */
  private final Map<String, PomeriumProxyDataFactory.Routed> viaSshConfig = new ConcurrentHashMap<>();
  private final List<Path> identityFiles;
  private final List<Path> knownHostsFiles;
  /** Keys that could not be decrypted, for the message of a login that fails. */
  private final KeyPassphrases.Log passphrases = new KeyPassphrases.Log();
  /** The environment ssh config and ProxyCommand lines are read in ({@code ${VAR}}, {@code ~}, {@code SHELL}). */
  private final Lazy<UnaryOperator<String>> environment;
  /** What JGit looked up in ssh config on this thread during {@link #getSession}. */
  private static final ThreadLocal<Lookups> LOOKUPS = new ThreadLocal<>();

  /** The ssh config entries JGit looked up for one session: the target first, then its jump hosts. */
  private static final class Lookups {
    final List<SshConfig.HostEntry> entries = new ArrayList<>();
    /** Whether the target's config names an IdentityFile: OpenSSH then offers none of the default keys. */
    volatile boolean targetNamesIdentityFiles;
  }

  /**
   * Reads its configuration lazily from system properties and environment variables ({@code jgit.pomerium.*} /
   * {@code JGIT_POMERIUM_*}, documented in the README). For {@link java.util.ServiceLoader}.
   */
  public PomeriumSshSessionFactory() {
    this(() -> SystemConfiguration.fromSystem(builder()), null, null, null, null);
  }

  private PomeriumSshSessionFactory(Supplier<Builder> base, File home, File sshDirectory, List<Path> identityFiles,
      List<Path> knownHostsFiles) {
    this(base, Lazy.of(() -> base.get().settings()), new Resolver[1], home, sshDirectory, identityFiles,
        knownHostsFiles);
  }

  private PomeriumSshSessionFactory(Supplier<Builder> base, Lazy<Settings> settings, Resolver[] resolver, File home,
      File sshDirectory, List<Path> identityFiles, List<Path> knownHostsFiles) {
    this(base, settings, resolver, new LoopbackRelay(GRANT_TTL, () -> settings.get().listener()), home,
        sshDirectory, identityFiles, knownHostsFiles);
  }

  private PomeriumSshSessionFactory(Supplier<Builder> base, Lazy<Settings> settings, Resolver[] resolver,
      LoopbackRelay relay, File home, File sshDirectory, List<Path> identityFiles, List<Path> knownHostsFiles) {
    // The resolver needs this factory's maps, which exist only after super(): it is filled in just below.
    super(null, new PomeriumProxyDataFactory((host, port) -> resolver[0].resolve(host, port), relay,
        () -> settings.get().listener()));
    resolver[0] = this::resolve;
    Compatibility.running().warnIfOutsideRange();
    this.base = base;
    this.relay = relay;
    this.identityFiles = identityFiles;
    this.knownHostsFiles = knownHostsFiles;
    this.settings = settings;
    this.environment = Lazy.of(() -> base.get().environment);
    this.dialer = Lazy.of(() -> new TunnelDialer(settings.get()));
    if (home != null) {
      setHomeDirectory(home);
    }
    if (sshDirectory != null) {
      setSshDirectory(sshDirectory);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** This library's version, as sent in {@code User-Agent: jgit-pomerium/<version>}. */
  public static String version() {
    return dev.jgitpomerium.transport.internal.Version.get();
  }

  /**
   * A builder preset from the documented system properties and environment variables ({@code jgit.pomerium.*},
   * {@code JGIT_POMERIUM_*}), as the no-argument constructor reads them; later calls override them.
   *
   * @throws InvalidSettingException naming the setting whose value is invalid
   */
  public static Builder builderFromEnvironment() {
    return SystemConfiguration.fromSystem(new Builder());
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
    return SystemConfiguration.fromSettings(new Builder(), Objects.requireNonNull(settings, "settings == null"));
  }

  /**
   * Signs in to {@code endpoint} now, whatever the cache holds (the CLI's {@code login}), and stores the token.
   * Uses the configured browser, console and timeout; fails like a connection would when no one can answer.
   *
   * @throws IOException if the sign-in fails, times out, or is not possible here (the message says why)
   * @throws IllegalStateException if a custom {@link TokenSource} replaced the built-in sign-in
   */
  public void signIn(PomeriumEndpoint endpoint) throws IOException {
    if (!(settings.get().tokenSource() instanceof TokenChain chain)) {
      throw new IllegalStateException("signIn needs the built-in token chain, not a custom tokenSource");
    }
    chain.signInNow(Route.of(endpoint.host(), endpoint.port(), endpoint));
  }

  /**
   * Makes this factory's relay serve connections from JGit factories of this process that take their proxy from the
   * JVM's ProxySelector (see {@link PomeriumProxySelector}), and returns the relay's address.
   */
  java.net.InetSocketAddress serveProxySelectorClients() throws IOException {
    relay.acceptInProcessPeers(this::dialForRelay);
    return relay.address();
  }

  /** Whether connections to {@code host} (no port known: a ProxySelector is asked by host only) go through us. */
  boolean routesHost(String name) {
    String host = withoutRootDot(name);
    String h = host.toLowerCase(java.util.Locale.ROOT);
    if (settings.get().routes().stream().anyMatch(r -> r.host().equals(h))) {
      return true;
    }
    try {
      return routeFor(host, 0).isPresent();
    } catch (SshConfigException e) {
      return true; // the relay then fails the connection with the reason, rather than the JVM connecting directly
    } catch (IOException e) {
      return false;
    }
  }

  private dev.jgitpomerium.transport.internal.Tunnel dialForRelay(String name, int port) throws IOException {
    String host = withoutRootDot(name);
    PomeriumProxyDataFactory.Routed routed = resolve(host, port);
    if (routed == null) {
      routed = fromProxyCommand(lookUp(host, port, null).entry());
    }
    if (routed == null || routed.route() == null) {
      throw new IOException("no Pomerium route for " + host + ":" + port);
    }
    return new TunnelDialer(routed.settings()).open(routed.route());
  }

  /** {@code git.corp.example.com.} (fully qualified, as DNS allows) is {@code git.corp.example.com}. */
  private static String withoutRootDot(String host) {
    return host.length() > 1 && host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  /** Explicit routes first, then hosts whose ssh config ProxyCommand runs pomerium-cli tcp (or another command). */
  private PomeriumProxyDataFactory.Routed resolve(String host, int port) {
    Settings explicit = settings.get();
    Route route = explicit.routeFor(host, port);
    if (route != null) {
      return PomeriumProxyDataFactory.Routed.pomerium(route, explicit);
    }
    PomeriumProxyDataFactory.Routed routed = viaSshConfig.get(key(host, port));
    return routed == null || routed.route() == null ? routed
        : routed.from("route from " + displayed(sshConfigFile()) + " ProxyCommand");
  }

  /** {@code file} with the home directory written {@code ~}, as people write it. */
  private String displayed(File file) {
    File home = getHomeDirectory() != null ? getHomeDirectory() : FS.DETECTED.userHome();
    Path path = file.toPath().toAbsolutePath().normalize();
    if (home != null) {
      Path base = home.toPath().toAbsolutePath().normalize();
      if (path.startsWith(base) && !path.equals(base)) {
        return "~/" + base.relativize(path).toString().replace(File.separatorChar, '/');
      }
    }
    return path.toString();
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
    SshConfig.HostEntry entry = lookUp(host, port, user).entry();
    Route route = settings.get().routeFor(entry.host(), entry.port());
    if (route != null) {
      return Optional.of(route);
    }
    PomeriumProxyDataFactory.Routed routed = fromProxyCommand(entry);
    return routed == null ? Optional.empty() : Optional.ofNullable(routed.route());
  }

  private File sshConfigFile() {
    File ssh = getSshDirectory();
    if (ssh == null) {
      File home = getHomeDirectory() != null ? getHomeDirectory() : FS.DETECTED.userHome();
      ssh = new File(home, ".ssh");
    }
    return getSshConfig(ssh);
  }

  /** Resolves a connection to {@code host} in this factory's ssh config, as OpenSSH would. */
  private SshConfig.Resolution lookUp(String host, int port, String user) throws SshConfigException {
    File home = getHomeDirectory() != null ? getHomeDirectory() : FS.DETECTED.userHome();
    return SshConfig.resolve(sshConfigFile().toPath(), host, port, user, sshEnvironment(home, sshConfigFile(),
        getLocalUserName()));
  }

  private SshConfig.Environment sshEnvironment(File home, File configFile, String localUser) {
    Path homePath = home.toPath().toAbsolutePath();
    Path sshDirectory = configFile.toPath().toAbsolutePath().getParent();
    return SshConfig.Environment.of(homePath, sshDirectory, localUser, environment.get());
  }

  /**
   * Replaces JGit's reading of ssh config with this library's, which reads it as OpenSSH does ({@code Match},
   * {@code Include}, tokens, quotes, errors naming file and line; JGit evaluates no {@code Match}, keeps only the
   * first word of a {@code ProxyCommand}, and ignores a file it cannot parse). The one resolution made when JGit
   * looks a host up (on the connecting thread, just before it asks for a proxy) gives JGit every keyword it reads and
   * decides the route: a {@code pomerium-cli tcp} ProxyCommand becomes an in-process tunnel with that line's options,
   * any other ProxyCommand is run. A configuration that cannot be followed fails the connection: a host whose
   * ProxyCommand cannot be used is never connected directly.
   */
  @Override
  protected SshConfigStore createSshConfigStore(File home, File configFile, String localUserName) {
    if (configFile == null) {
      return super.createSshConfigStore(home, configFile, localUserName);
    }
    return withUserCertificates(new SshConfigStore() {
      @Override
      public HostConfig lookup(String hostName, int port, String userName) {
        return resolveForJGit(home, configFile, hostName, port, userName);
      }

      @Override
      public HostConfig lookupDefault(String hostName, int port, String userName) {
        return resolveForJGit(home, configFile, hostName, port, userName);
      }
    }, configFile);
  }

  private SshConfigStore.HostConfig resolveForJGit(File home, File configFile, String host, int port, String user) {
    try {
      SshConfig.Resolution resolution = SshConfig.resolve(configFile.toPath(), host, port, user,
          sshEnvironment(home, configFile, getLocalUserName()));
      SshConfig.HostEntry entry = resolution.entry();
      SshConfigStore.HostConfig jgit = resolution.toJGit();
      PomeriumProxyDataFactory.Routed routed = resolution.value("proxyjump") != null ? null : fromProxyCommand(entry);
      if (routed != null) {
        viaSshConfig.put(key(entry.host(), entry.port()), routed);
      } else {
        viaSshConfig.remove(key(entry.host(), entry.port()));
      }
      Lookups lookups = LOOKUPS.get();
      if (lookups != null) {
        if (lookups.entries.isEmpty()) {
          List<String> identities = jgit.getValues(org.eclipse.jgit.transport.SshConstants.IDENTITY_FILE);
          lookups.targetNamesIdentityFiles = identities != null && !identities.isEmpty();
        }
        lookups.entries.add(entry);
      }
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
   * How the host's ProxyCommand reaches it: null for none, a Pomerium route for a {@code pomerium-cli tcp} line we
   * can read, else the command to run.
   *
   * @throws SshConfigException if it is a pomerium-cli line that cannot be used (the host must then not be reached
   *     directly either), or its %-tokens are invalid
   */
  private PomeriumProxyDataFactory.Routed fromProxyCommand(SshConfig.HostEntry entry) throws SshConfigException {
    if (entry.proxyCommand() == null) {
      return null;
    }
    String line = entry.expand(entry.proxyCommand());
    UnaryOperator<String> env = environment.get();
    try {
      Optional<PomeriumCliCommand> command = PomeriumCliCommand.parse(line, env, ProxyCommands.isWindows());
      if (command.isEmpty()) {
        // Any other ProxyCommand is run as OpenSSH would, and its stdin/stdout carry the connection.
        return PomeriumProxyDataFactory.Routed.proxyCommand(line, env);
      }
      Settings lineSettings = byProxyCommand.computeIfAbsent(line,
          l -> base.get().withProxyCommandDefaults(command.get()).settings());
      Route destination = Route.parse(command.get().destination());
      for (Route route : lineSettings.routes()) {
        if (route.host().equals(destination.host()) && route.port() == destination.port()) {
          return PomeriumProxyDataFactory.Routed.pomerium(route, lineSettings);
        }
      }
      throw new IllegalArgumentException("no route for its destination " + destination.destination());
    } catch (IllegalArgumentException e) {
      String where = entry.proxyCommandSource() == null ? "ssh config" : entry.proxyCommandSource();
      throw new SshConfigException(null, 0, where + ": the ProxyCommand for " + entry.originalHost()
          + " cannot be used, so it is not connected at all: " + e.getMessage(), e);
    }
  }

  private static String key(String host, int port) {
    return Route.normalizeHost(host) + ":" + port;
  }

  /**
   * Opens the session as JGit does, then turns Nagle's algorithm off on it and keeps it alive (see {@link
   * Builder#serverAliveInterval}).
   */
  @Override
  public SshdSession getSession(URIish uri, CredentialsProvider credentialsProvider, FS fs, int timeoutMillis)
      throws TransportException {
    Lookups lookups = new Lookups();
    Lookups outer = LOOKUPS.get();
    LOOKUPS.set(lookups);
    SshdSession session;
    try {
      // No CredentialsProvider on the command (nor a default): SSH_ASKPASS where OpenSSH would use it.
      CredentialsProvider asking;
      try {
        asking = credentialsProvider != null ? credentialsProvider : Askpass.credentialsProvider(askpass());
      } catch (IllegalArgumentException | IllegalStateException e) {
        // A ServiceLoader factory meets its configuration (system properties, environment) first here.
        throw new TransportException(uri, "jgit-pomerium is misconfigured: " + e.getMessage(), e);
      }
      session = explainFailures(uri, lookups.entries, () -> super.getSession(uri, asking, fs, timeoutMillis));
    } finally {
      LOOKUPS.set(outer);
    }
    Settings current = settings.get();
    Duration interval = current.serverAliveInterval();
    Integer countMax = current.serverAliveCountMax();
    String server = uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 22);
    if (!lookups.entries.isEmpty()) {
      // The resolution JGit's lookup of the target made (jump hosts, if any, come after it): read once.
      SshConfig.HostEntry entry = lookups.entries.get(0);
      server = entry.host() + ":" + entry.port();
      interval = interval != null ? interval : entry.serverAliveInterval();
      countMax = countMax != null ? countMax : entry.serverAliveCountMax();
    }
    ClientSession client = JGitSessions.clientSession(session, server);
    if (client != null) {
      JGitSessions.disableNagle(client);
      ServerAlive.start(client, interval != null ? interval : Duration.ofSeconds(DEFAULT_SERVER_ALIVE_SECONDS),
          countMax != null ? countMax : DEFAULT_SERVER_ALIVE_COUNT_MAX, server, current.listener());
    }
    return session;
  }

  /** A JGit call that opens a session. */
  @FunctionalInterface
  private interface SessionOpener {
    SshdSession open() throws TransportException;
  }

  /**
   * Opens a session, turning JGit's failure into one that says why as OpenSSH would: a refused host key (unknown,
   * changed, revoked), a login that failed while a passphrase-protected key could not be decrypted, or a host that
   * could not be reached directly (JGit shows sshd's {@code DefaultConnectFuture[...]: Failed (...)} there).
   *
   * @param lookups the ssh config entries JGit looked up for this session, the target's first
   */
  private SshdSession explainFailures(URIish uri, List<SshConfig.HostEntry> lookups, SessionOpener opener)
      throws TransportException {
    long mark = passphrases.mark();
    try {
      return opener.open();
    } catch (LinkageError e) {
      throw new TransportException(uri, Compatibility.running().incompatible(e).getMessage(), e);
    } catch (TransportException e) {
      LinkageError linkage = Compatibility.linkageErrorIn(e);
      if (linkage != null) {
        throw new TransportException(uri, Compatibility.running().incompatible(linkage).getMessage(), e);
      }
      HostKeyException hostKey = HostKeyException.causeOf(e);
      if (hostKey != null) {
        throw new TransportException(uri, hostKey.getMessage(), hostKey);
      }
      KeyPassphraseException passphrase = passphrases.since(mark);
      if (passphrase != null && isLoginRefused(e)) {
        passphrase.initCause(e);
        throw new TransportException(uri, passphrase.getMessage(), passphrase);
      }
      String unreachable = directConnectFailure(e, lookups, uri.getHost(), uri.getPort());
      if (unreachable != null) {
        throw new TransportException(uri, unreachable, e);
      }
      throw e;
    }
  }

  /**
   * OpenSSH's words for a failed connection from here (see {@link Failures#sshConnectFailure}), naming the host JGit
   * connected to directly, or null if the failure is not that or that host is reached through a proxy. JGit looks the
   * target up first, then each jump host just before connecting to it (SshdSession.connect, recursively), and only the
   * last one looked up is connected to over TCP: the rest are reached through it. So with a ProxyJump a refused or
   * unresolvable connection is a jump host's, never the target's, and is named as OpenSSH names it. (With several
   * jump hosts JGit connects to the last one listed first, OpenSSH to the first one: the host named is the one JGit
   * tried.)
   *
   * @param lookups the ssh config entries JGit looked up for the connection, in that order (empty without ssh config)
   * @param host the host as in the URI, for when there is no ssh config
   * @param port the port as in the URI, or a negative number or 0 for 22
   */
  private String directConnectFailure(Throwable failure, List<SshConfig.HostEntry> lookups, String host, int port) {
    SshConfig.HostEntry direct = lookups.isEmpty() ? null : lookups.get(lookups.size() - 1);
    String directHost = direct == null ? host : direct.host();
    int directPort = direct == null ? (port > 0 ? port : 22) : direct.port();
    return proxied(directHost, directPort) ? null : Failures.sshConnectFailure(failure, directHost, directPort);
  }

  /** known_hosts as OpenSSH treats it; see {@link KnownHosts}. */
  @Override
  protected ServerKeyDatabase createServerKeyDatabase(File homeDir, File sshDir) {
    return new KnownHosts(getDefaultKnownHostsFiles(sshDir), this::proxied, () -> askpass().why());
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
    List<java.security.PublicKey> keys = new ArrayList<>();
    String name = null;
    for (List<java.security.PublicKey> type : KnownHosts.scanTypes()) {
      // The scan is told apart from real connections by a user name no one logs in as.
      String user = "jgit-pomerium-keyscan-" + java.util.UUID.randomUUID();
      KnownHosts.KeyScan scan = new KnownHosts.KeyScan(type);
      knownHosts.scan(user, scan);
      TransportException failure = null;
      Lookups lookups = new Lookups();
      Lookups outer = LOOKUPS.get();
      LOOKUPS.set(lookups);
      try {
        URIish uri = new URIish().setScheme("ssh").setUser(user).setHost(host).setPort(port > 0 ? port : -1)
            .setPath("/");
        super.getSession(uri, null, FS.DETECTED, (int) Duration.ofSeconds(30).toMillis()).disconnect();
      } catch (TransportException e) {
        failure = e; // expected: the key was refused once seen
      } finally {
        LOOKUPS.set(outer);
        knownHosts.endScan(user);
      }
      java.security.PublicKey offered = scan.offered();
      if (offered == null) {
        throw scanFailed(host, port, user, failure, lookups.entries);
      }
      name = name != null ? name : scan.name();
      if (KnownHosts.sameType(type, offered)) {
        keys.add(offered);
      }
    }
    if (name == null) {
      throw new IOException("this JVM can make no Ed25519, ECDSA or RSA key to ask " + host + " for its host keys");
    }
    return new ScannedHostKeys(name, keys);
  }

  /**
   * Why a scan got no key, naming the host and port connected to (after ssh config) as OpenSSH does, not JGit's URI
   * with the scan's internal user name.
   */
  private IOException scanFailed(String host, int port, String user, TransportException failure,
      List<SshConfig.HostEntry> lookups) {
    SshConfigException config = causeOf(failure, SshConfigException.class);
    if (config != null) {
      return config;
    }
    // Not reached at all: OpenSSH's words, which name the host and port connected to (a jump host's, if any).
    String unreachable = failure == null ? null : directConnectFailure(failure, lookups, host, port);
    if (unreachable != null) {
      return new TransportException("cannot fetch the host keys of " + host + ": " + unreachable, failure);
    }
    String where;
    try {
      SshConfig.HostEntry entry = lookUp(host, port, null).entry();
      String target = "host " + entry.host() + " port " + entry.port();
      where = Route.normalizeHost(entry.host()).equals(Route.normalizeHost(host)) ? target
          : host + " (" + target + ")";
    } catch (SshConfigException e) {
      return e;
    }
    PomeriumException pomerium = causeOf(failure, PomeriumException.class);
    String why = pomerium != null ? pomerium.getMessage() : deepestMessage(failure);
    String message = "cannot fetch the host keys of " + where + ": "
        + (why == null ? "no host key was offered" : why.replace(user + "@", ""));
    return new TransportException(message, failure);
  }

  private static <T extends Throwable> T causeOf(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static String deepestMessage(Throwable failure) {
    String message = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      message = t.getMessage() != null ? t.getMessage() : message;
    }
    return message;
  }

  /** Whether {@code host:port} is reached through a Pomerium tunnel or a ProxyCommand, not at its DNS address. */
  private boolean proxied(String host, int port) {
    try {
      return resolve(host, port) != null;
    } catch (RuntimeException e) {
      return false;
    }
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
    return Askpass.forLibrary(environment.get());
  }

  /**
   * JGit's default keys ({@code ~/.ssh/id_*}), offered as OpenSSH offers them: only to a host whose ssh config names no
   * {@code IdentityFile} (JGit would offer them after the configured ones). JGit asks for them before it looks the
   * host up, so the answer is given when the keys are first tried. Keys given to the builder (ssh's {@code -i}) are
   * always offered.
   */
  @Override
  protected Iterable<KeyPair> getDefaultKeys(File sshDirectory) {
    Iterable<KeyPair> defaults = super.getDefaultKeys(sshDirectory);
    Lookups session = LOOKUPS.get();
    if (identityFiles != null || session == null) {
      return defaults;
    }
    return new DefaultKeys(defaults, session);
  }

  /**
   * JGit's default keys, or none once the session's target turns out to name an IdentityFile. A resource key provider,
   * as JGit's own is: JGit hands those the passphrase prompts, and this hands them on.
   */
  private static final class DefaultKeys extends AbstractResourceKeyPairProvider<Path> implements Iterable<KeyPair> {
    private final Iterable<KeyPair> keys;
    private final Lookups session;

    DefaultKeys(Iterable<KeyPair> keys, Lookups session) {
      this.keys = keys;
      this.session = session;
    }

    @Override
    public void setPasswordFinder(FilePasswordProvider passwordFinder) {
      super.setPasswordFinder(passwordFinder);
      if (keys instanceof AbstractResourceKeyPairProvider<?> provider) {
        provider.setPasswordFinder(passwordFinder);
      }
    }

    @Override
    public Iterator<KeyPair> iterator() {
      return session.targetNamesIdentityFiles ? Collections.emptyIterator() : keys.iterator();
    }

    /** As JGit's own provider, with the session (its passphrase prompts are counted per session). */
    @Override
    public Iterable<KeyPair> loadKeys(SessionContext context) throws IOException, GeneralSecurityException {
      if (session.targetNamesIdentityFiles) {
        return List.of();
      }
      return keys instanceof KeyIdentityProvider provider ? provider.loadKeys(context) : keys;
    }
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

  /** Ends every tunnel and pending sign-in of this factory and stops its relay, then closes JGit's sessions. */
  @Override
  public void close() {
    Settings loaded = settings.peek();
    if (loaded != null) {
      loaded.close();
    }
    byProxyCommand.values().forEach(Settings::close);
    relay.close();
    super.close();
  }

  /**
   * Signs out: removes the stored tokens of every Pomerium endpoint this factory routes to, so the next connection
   * signs in again. Tokens held by Pomerium's own session store stay valid until they expire.
   */
  public void signOut() throws IOException {
    Settings current = settings.get();
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
    Settings current = settings.get();
    Route route = current.routeFor(host, port);
    if (route == null) {
      throw new IllegalArgumentException("no route for " + host + ":" + port + " (routes: " + current.routes() + ")");
    }
    return dialer.get().open(route).socket();
  }

  /** The routes in effect (for the system-property configuration: as read on first use). */
  public List<Route> routes() {
    return settings.get().routes();
  }

  /** Where signed-in tokens are kept. */
  public TokenStore tokenStore() {
    return settings.get().tokenStore();
  }

  /** Tunnels currently carrying SSH traffic. */
  public int activeTunnels() {
    return relay.activeTunnels();
  }

  /** Builds an immutable {@link PomeriumSshSessionFactory}; every setter checks its argument at once. */
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

    private Builder() {}

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
      this.serviceAccount = new TokenChain.Named("service-account token", TokenSource.of(jwt));
      return this;
    }

    /**
     * A Pomerium service-account JWT in a file, read again at every connect (pomerium-cli's {@code
     * --service-account-file}); see {@link TokenSource#fromFile}.
     */
    public Builder tokenFile(Path file) {
      this.serviceAccount = new TokenChain.Named("service-account token file", TokenSource.fromFile(file));
      return this;
    }

    /** An identity-provider token, sent as {@code Authorization: Bearer}, for routes with {@code bearer_token_format}. */
    public Builder bearerToken(String token) {
      PomeriumToken bearerToken = PomeriumToken.bearer(token);
      this.bearer = new TokenChain.Named("bearer token", r -> r.isSignInRequired() ? null : bearerToken);
      return this;
    }

    /** An identity-provider token in a file, read again at every connect, sent as {@code Authorization: Bearer}. */
    public Builder bearerTokenFile(Path file) {
      this.bearer = new TokenChain.Named("bearer token file", TokenFiles.source(file, PomeriumToken.Scheme.BEARER));
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

    /** Opens sign-in pages with a command (pomerium-cli's {@code --browser-cmd}); see {@link BrowserLauncher#command}. */
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

    /** Trusts the CA certificates in a PEM file in addition to the JVM's own (pomerium-cli's {@code --alternate-ca-path}). */
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

    /** Private keys to offer instead of {@code ~/.ssh/id_*} (ssh's {@code -i}); ssh config's IdentityFile still adds. */
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
     * Builds the factory. With no route, only hosts whose ~/.ssh/config ProxyCommand runs {@code pomerium-cli tcp}
     * go through Pomerium.
     *
     * @throws IllegalArgumentException if a file named here (CA, client certificate) cannot be used
     * @throws IllegalStateException if the JGit or MINA sshd on the class path lacks what this library uses: the
     *     message names the versions found and the ones supported
     */
    public PomeriumSshSessionFactory build() {
      try {
        settings(); // validates now, not at the first connection
        Builder snapshot = copy();
        return new PomeriumSshSessionFactory(snapshot::copy, homeDirectory, sshDirectory, identityFiles,
            knownHostsFiles);
      } catch (LinkageError e) {
        throw Compatibility.running().incompatible(e);
      }
    }

    /** A copy of this builder's state, for the factory to derive per-ProxyCommand settings from. */
    Builder copy() {
      Builder b = new Builder();
      b.routeSpecs.addAll(routeSpecs);
      b.routes.addAll(routes);
      b.pomeriumUrl = pomeriumUrl;
      b.customTokenSource = customTokenSource;
      b.serviceAccount = serviceAccount;
      b.bearer = bearer;
      b.tokenCommand = tokenCommand;
      b.tokenCommandScheme = tokenCommandScheme;
      b.tokenStore = tokenStore;
      b.browserLauncher = browserLauncher;
      b.useBrowser = useBrowser;
      b.browserChosen = browserChosen;
      b.interactive = interactive;
      b.signInTimeout = signInTimeout;
      b.console = console;
      b.environment = environment;
      b.extraCas.addAll(extraCas);
      b.clientChain = clientChain;
      b.clientKey = clientKey;
      b.tlsVerificationDisabled = tlsVerificationDisabled;
      b.connectTimeout = connectTimeout;
      b.responseTimeout = responseTimeout;
      b.serverAliveInterval = serverAliveInterval;
      b.serverAliveCountMax = serverAliveCountMax;
      b.listener = listener;
      b.homeDirectory = homeDirectory;
      b.sshDirectory = sshDirectory;
      b.identityFiles = identityFiles;
      b.knownHostsFiles = knownHostsFiles;
      return b;
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
      if (clientKey == null && line.clientCert() != null && line.clientKey() != null) {
        clientCertificate(line.clientCert(), line.clientKey());
      }
      if (line.disableTlsVerification()) {
        disableTlsVerification();
      }
      if (!browserChosen && line.browserCommand() != null) {
        browserCommand(line.browserCommand());
      }
      if (customTokenSource == null && serviceAccount == null && bearer == null && tokenCommand == null) {
        if (line.serviceAccount() != null) {
          token(line.serviceAccount());
        } else if (line.serviceAccountFile() != null) {
          tokenFile(line.serviceAccountFile());
        }
      }
      return route(line.destination());
    }

    /** The settings; also used for the system-property configuration. */
    Settings settings() {
      List<Route> all = new ArrayList<>();
      for (String spec : routeSpecs) {
        all.add(Route.parse(spec, pomeriumUrl));
      }
      all.addAll(routes);
      TlsSetup tls;
      try {
        tls = TlsSetup.create(extraCas, clientChain, clientKey, tlsVerificationDisabled);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
      }
      UnaryOperator<String> env = environment;
      Lazy<OkHttpClient> http = Lazy.of(() -> HttpClients.create(tls, env));
      TokenStore store = tokenStore != null ? tokenStore : TokenStore.pomeriumCli();
      TokenSource source = customTokenSource;
      if (source == null) {
        List<TokenChain.Named> machine = new ArrayList<>();
        if (serviceAccount != null) {
          machine.add(serviceAccount);
        }
        if (bearer != null) {
          machine.add(bearer);
        }
        if (tokenCommand != null) {
          machine.add(new TokenChain.Named("token command",
              new CommandTokenSource(tokenCommand, tokenCommandScheme, signInTimeout, console)));
        }
        SignInOptions signIn = new SignInOptions(browserLauncher, useBrowser, interactive, signInTimeout, console, env);
        source = new TokenChain(machine, store, signIn, http, listener);
      }
      return new Settings(all, source, store, tls, connectTimeout, responseTimeout, listener, http,
          serverAliveInterval, serverAliveCountMax);
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
}
