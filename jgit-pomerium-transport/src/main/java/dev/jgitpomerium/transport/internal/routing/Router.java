package dev.jgitpomerium.transport.internal.routing;

import dev.jgitpomerium.transport.ConnectionPath;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.Ipv6Literals;
import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.config.Config;
import dev.jgitpomerium.transport.internal.config.FactoryRuntime;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.util.FS;

/**
 * Decides how a host is reached, in one place: through Pomerium (a configured route, or the destination of a {@code
 * pomerium-cli tcp} ProxyCommand in ssh config, with that line's options), through another ProxyCommand (run as
 * OpenSSH runs it), or directly (as stock JGit would, following the JVM's proxy settings). Explicit routes win over
 * ssh config.
 *
 * <p>For JGit's own connections ssh config is read once: JGit's lookup of the host (on the connecting thread) hands
 * its resolution to {@link #lookedUp}, which decides and remembers the decision for the proxy hook that follows
 * ({@link #forConnection}). Questions from outside a JGit connection ({@link #routeFor}, {@link #routesHost}, the
 * relay's {@link #dialForRelay}) resolve ssh config themselves.
 */
public final class Router {
  /** How a host is reached. */
  public sealed interface Decision permits Pomerium, ProxyCommand, Direct {
    /** As OpenSSH's {@code -v} and the listener show it; {@code direct} is given the JVM's proxy, if any. */
    default ConnectionPath path(java.net.Proxy direct) {
      if (this instanceof Pomerium p) {
        return ConnectionPath.pomerium(p.route(), p.origin());
      }
      return this instanceof ProxyCommand c ? ConnectionPath.proxyCommand(c.line()) : ConnectionPath.direct(direct);
    }
  }

  /**
   * Through a Pomerium tunnel to {@code route}, opened with {@code runtime}; {@code origin} says where the route came
   * from (for {@link ConnectionPath#origin()}).
   */
  public record Pomerium(Route route, FactoryRuntime runtime, String origin) implements Decision {
    public Tunnel open() throws IOException {
      return new TunnelDialer(runtime).open(route);
    }
  }

  /**
   * Through the host's ProxyCommand, its %-tokens expanded, run with {@code SHELL} from {@code environment};
   * {@code source} is where it is configured ({@code ~/.ssh/config line 3}), or null when that is not known.
   */
  public record ProxyCommand(String line, UnaryOperator<String> environment, String source) implements Decision {}

  /** As stock JGit connects: to the host's address, or through the JVM's proxy. */
  public record Direct() implements Decision {}

  private static final Direct DIRECT = new Direct();

  private final Lazy<Config> config;
  private final Lazy<FactoryRuntime> runtime;
  /** The configuration for a pomerium-cli line: the factory's, with the line's options where it sets none. */
  private final BiFunction<Config, PomeriumCliCommand, Config> lineConfig;
  /** The runtime per pomerium-cli ProxyCommand line (as expanded), made once. */
  private final Map<String, FactoryRuntime> byProxyCommand = new ConcurrentHashMap<>();
  /** What JGit's lookups decided, per {@code host:port} after HostName and Port, for the proxy hook that follows. */
  private final Map<String, Decision> viaSshConfig = new ConcurrentHashMap<>();

  /**
   * @param config the factory's configuration, read at first use (a ServiceLoader factory meets it only then)
   * @param runtime what {@code config} compiles into (the Builder's factory compiled it already, to validate it)
   * @param lineConfig derives the configuration for a {@code pomerium-cli tcp} ProxyCommand line from the factory's
   */
  public Router(Lazy<Config> config, Lazy<FactoryRuntime> runtime,
      BiFunction<Config, PomeriumCliCommand, Config> lineConfig) {
    this.config = config;
    this.runtime = runtime;
    this.lineConfig = lineConfig;
  }

  /** The runtime of the factory's own configuration (its routes, token chain, listener). */
  public FactoryRuntime runtime() {
    return runtime.get();
  }

  /** The environment ssh config and ProxyCommand lines are read in ({@code ${VAR}}, {@code ~}, {@code SHELL}). */
  public UnaryOperator<String> environment() {
    return config.get().environment();
  }

  /** The home directory: the configured one, else the user's. */
  public File homeDirectory() {
    File home = config.get().homeDirectory();
    return home != null ? home.getAbsoluteFile() : FS.DETECTED.userHome();
  }

  /** The ssh config file, {@code config} in the SSH directory, as JGit names it. */
  public File sshConfigFile() {
    File ssh = config.get().sshDirectory();
    return new File(ssh != null ? ssh.getAbsoluteFile() : new File(homeDirectory(), ".ssh"), "config");
  }

  /** Resolves a connection to {@code host} in ssh config, as OpenSSH would. */
  public SshConfig.Resolution resolve(String host, int port, String user) throws SshConfigException {
    File file = sshConfigFile();
    Path home = homeDirectory().toPath().toAbsolutePath();
    SshConfig.Environment environment = SshConfig.Environment.of(home, file.toPath().toAbsolutePath().getParent(),
        SshSessionFactory.getLocalUserName(), environment());
    return SshConfig.resolve(file.toPath(), host, port, user, environment);
  }

  /**
   * Decides for the connection JGit is about to make, from the resolution its lookup of the host made, and remembers
   * it for {@link #forConnection}.
   *
   * @throws SshConfigException if the host's ProxyCommand cannot be followed (it is then not connected at all)
   */
  public void lookedUp(SshConfig.Resolution resolution) throws SshConfigException {
    SshConfig.HostEntry entry = resolution.entry();
    Decision fromLine = fromSshConfig(resolution);
    if (fromLine != null) {
      viaSshConfig.put(key(entry.host(), entry.port()), fromLine);
    } else {
      viaSshConfig.remove(key(entry.host(), entry.port()));
    }
  }

  /**
   * How a connection resolved as {@code resolution} goes, as {@link #lookedUp} and {@link #forConnection} decide it
   * together, without remembering anything (for the doctor).
   *
   * @throws SshConfigException if the host's ProxyCommand cannot be followed
   */
  public Decision decide(SshConfig.Resolution resolution) throws SshConfigException {
    SshConfig.HostEntry entry = resolution.entry();
    Route route = runtime().routeFor(entry.host(), entry.port());
    if (route != null) {
      return new Pomerium(route, runtime(), "configured route");
    }
    Decision fromLine = fromSshConfig(resolution);
    return fromLine != null ? fromLine : DIRECT;
  }

  /** What the host's ProxyCommand decides, or null (none, or a ProxyJump, which JGit follows itself). */
  private Decision fromSshConfig(SshConfig.Resolution resolution) throws SshConfigException {
    return resolution.value("proxyjump") != null ? null : fromProxyCommand(resolution.entry());
  }

  /**
   * How the connection JGit makes to {@code host:port} (after ssh config's HostName and Port) goes: an explicit
   * route first, then what JGit's lookup of the host decided, else directly.
   */
  public Decision forConnection(String host, int port) {
    FactoryRuntime explicit = runtime();
    Route route = explicit.routeFor(host, port);
    if (route != null) {
      return new Pomerium(route, explicit, "configured route");
    }
    Decision decided = viaSshConfig.get(key(host, port));
    return decided != null ? decided : DIRECT;
  }

  /** Whether {@code host:port} is reached through a Pomerium tunnel or a ProxyCommand, not at its DNS address. */
  public boolean proxied(String host, int port) {
    try {
      return !(forConnection(host, port) instanceof Direct);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The Pomerium route a connection to {@code host} (as written in a git URL), {@code port} (0: none given) and
   * {@code user} (null: none) takes, after ssh config; empty if it does not go through Pomerium.
   */
  public Optional<Route> routeFor(String host, int port, String user) throws IOException {
    SshConfig.HostEntry entry = resolve(host, port, user).entry();
    Route route = runtime().routeFor(entry.host(), entry.port());
    if (route != null) {
      return Optional.of(route);
    }
    return fromProxyCommand(entry) instanceof Pomerium p ? Optional.of(p.route()) : Optional.empty();
  }

  /** Whether connections to {@code host} (no port known: a ProxySelector is asked by host only) go through us. */
  public boolean routesHost(String name) {
    String host = withoutRootDot(name);
    String h = host.toLowerCase(Locale.ROOT);
    if (runtime().routes().stream().anyMatch(r -> r.host().equals(h))) {
      return true;
    }
    try {
      return routeFor(host, 0, null).isPresent();
    } catch (SshConfigException e) {
      return true; // the relay then fails the connection with the reason, rather than the JVM connecting directly
    } catch (IOException e) {
      return false;
    }
  }

  /** Opens a tunnel for another program's connection to {@code name:port} that the relay took in. */
  public Tunnel dialForRelay(String name, int port) throws IOException {
    String host = withoutRootDot(name);
    Decision decision = forConnection(host, port);
    if (decision instanceof Direct) {
      decision = fromProxyCommand(resolve(host, port, null).entry());
    }
    if (!(decision instanceof Pomerium pomerium)) {
      throw new IOException("no Pomerium route for " + host + ":" + port);
    }
    return pomerium.open();
  }

  /** Ends the sign-ins and HTTP clients of every runtime made. */
  public void close() {
    FactoryRuntime own = runtime.peek();
    if (own != null) {
      own.close();
    }
    byProxyCommand.values().forEach(FactoryRuntime::close);
  }

  /**
   * How the host's ProxyCommand reaches it: null for none, a Pomerium route for a {@code pomerium-cli tcp} line we
   * can read, else the command to run.
   *
   * @throws SshConfigException if it is a pomerium-cli line that cannot be used (the host must then not be reached
   *     directly either), or its %-tokens are invalid
   */
  private Decision fromProxyCommand(SshConfig.HostEntry entry) throws SshConfigException {
    if (entry.proxyCommand() == null) {
      return null;
    }
    String line = entry.expand(entry.proxyCommand());
    UnaryOperator<String> env = environment();
    try {
      Optional<PomeriumCliCommand> command = PomeriumCliCommand.parse(line, env, ProxyCommands.isWindows());
      if (command.isEmpty()) {
        // Any other ProxyCommand is run as OpenSSH would, and its stdin/stdout carry the connection.
        return new ProxyCommand(line, env, entry.proxyCommandSource());
      }
      FactoryRuntime lineRuntime = byProxyCommand.computeIfAbsent(line,
          l -> lineConfig.apply(config.get(), command.get()).compile());
      Route destination = Route.parse(command.get().destination());
      for (Route route : lineRuntime.routes()) {
        if (route.host().equals(destination.host()) && route.port() == destination.port()) {
          return new Pomerium(route, lineRuntime, "route from " + displayed(sshConfigFile()) + " ProxyCommand");
        }
      }
      throw new IllegalArgumentException("no route for its destination " + destination.destination());
    } catch (IllegalArgumentException e) {
      String where = entry.proxyCommandSource() == null ? "ssh config" : entry.proxyCommandSource();
      throw new SshConfigException(null, 0, where + ": the ProxyCommand for " + entry.originalHost()
          + " cannot be used, so it is not connected at all: " + e.getMessage(), e);
    }
  }

  /** {@code file} with the home directory written {@code ~}, as people write it. */
  public String displayed(File file) {
    Path path = file.toPath().toAbsolutePath().normalize();
    File home = homeDirectory();
    if (home != null) {
      Path base = home.toPath().toAbsolutePath().normalize();
      if (path.startsWith(base) && !path.equals(base)) {
        return "~/" + base.relativize(path).toString().replace(File.separatorChar, '/');
      }
    }
    return path.toString();
  }

  /** {@code git.corp.example.com.} (fully qualified, as DNS allows) is {@code git.corp.example.com}. */
  private static String withoutRootDot(String host) {
    return host.length() > 1 && host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  private static String key(String host, int port) {
    return Ipv6Literals.normalizeHost(host) + ":" + port;
  }
}
