package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.routing.ProxyCommands;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.Objects;
import java.util.Optional;

/**
 * Which way one SSH connection goes, as reported by {@link PomeriumEventListener#connectionRouted}: through a Pomerium
 * tunnel, through the host's ssh config {@code ProxyCommand}, or directly (as stock JGit connects, which may be through
 * the JVM's proxy settings). Immutable.
 *
 * <p>{@link #toString()} is one phrase for people, as the command line's {@code -v} shows it after {@code host:port}:
 * {@code via Pomerium https://pomerium.corp.example.com:443 (route from ~/.ssh/config ProxyCommand)}, {@code via
 * ProxyCommand 'ssh ...'}, {@code directly}. It never contains a token: of a ProxyCommand it shows the program alone,
 * since the rest of its line may hold a password ({@link #proxyCommand()} has the whole line).
 */
public final class ConnectionPath {
  /** The three ways a connection can go. */
  public enum Kind {
    /** Through an in-process Pomerium tunnel: {@link #route()} and {@link #origin()} say which and why. */
    POMERIUM,
    /** Through the host's ssh config {@code ProxyCommand}, run as OpenSSH runs it: see {@link #proxyCommand()}. */
    PROXY_COMMAND,
    /** As stock JGit connects: straight to the host, or through the JVM's proxy ({@link #proxy()}). */
    DIRECT
  }

  private final Kind kind;
  private final Route route;
  private final String origin;
  private final String proxyCommand;
  private final Proxy proxy;

  private ConnectionPath(Kind kind, Route route, String origin, String proxyCommand, Proxy proxy) {
    this.kind = kind;
    this.route = route;
    this.origin = origin;
    this.proxyCommand = proxyCommand;
    this.proxy = proxy;
  }

  /**
   * Through Pomerium on {@code route}; {@code origin} says where the route came from, e.g. {@code "configured route"}
   * or {@code "route from ~/.ssh/config ProxyCommand"}.
   */
  public static ConnectionPath pomerium(Route route, String origin) {
    return new ConnectionPath(Kind.POMERIUM, Objects.requireNonNull(route, "route == null"),
        Objects.requireNonNull(origin, "origin == null"), null, null);
  }

  /**
   * Through the ssh config ProxyCommand {@code commandLine}, as run: its %-tokens expanded, as OpenSSH's -v shows it.
   */
  public static ConnectionPath proxyCommand(String commandLine) {
    return new ConnectionPath(Kind.PROXY_COMMAND, null, null,
        Objects.requireNonNull(commandLine, "commandLine == null"), null);
  }

  /** As stock JGit connects: {@code proxy} is {@link Proxy#NO_PROXY} for straight to the host, else the JVM's proxy. */
  public static ConnectionPath direct(Proxy proxy) {
    return new ConnectionPath(Kind.DIRECT, null, null, null, Objects.requireNonNull(proxy, "proxy == null"));
  }

  /** Which of the three ways the connection goes; says which of the other accessors has a value. */
  public Kind kind() {
    return kind;
  }

  /** The Pomerium route, for {@link Kind#POMERIUM}. */
  public Optional<Route> route() {
    return Optional.ofNullable(route);
  }

  /** Where the Pomerium route came from, for {@link Kind#POMERIUM}. */
  public Optional<String> origin() {
    return Optional.ofNullable(origin);
  }

  /** The ProxyCommand as run (its %-tokens expanded), for {@link Kind#PROXY_COMMAND}. */
  public Optional<String> proxyCommand() {
    return Optional.ofNullable(proxyCommand);
  }

  /** For {@link Kind#DIRECT}: {@link Proxy#NO_PROXY}, or the HTTP or SOCKS proxy the JVM's settings chose. */
  public Optional<Proxy> proxy() {
    return Optional.ofNullable(proxy);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConnectionPath other && kind == other.kind && Objects.equals(route, other.route)
        && Objects.equals(origin, other.origin) && Objects.equals(proxyCommand, other.proxyCommand)
        && Objects.equals(proxy, other.proxy);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, route, origin, proxyCommand, proxy);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case POMERIUM -> "via Pomerium https://" + route.endpoint().authority() + " (" + origin + ")";
      case PROXY_COMMAND -> "via " + ProxyCommands.named(proxyCommand, null);
      case DIRECT -> proxy.type() == Proxy.Type.DIRECT || !(proxy.address() instanceof InetSocketAddress address)
          ? "directly"
          : "through the JVM's " + proxy.type() + " proxy " + address.getHostString() + ":" + address.getPort();
    };
  }
}
