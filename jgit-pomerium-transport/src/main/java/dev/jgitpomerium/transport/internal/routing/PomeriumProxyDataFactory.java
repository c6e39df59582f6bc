package dev.jgitpomerium.transport.internal.routing;

import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.config.FactoryRuntime;
import dev.jgitpomerium.transport.internal.relay.LoopbackRelay;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import dev.jgitpomerium.transport.ConnectionPath;
import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.Route;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.sshd.DefaultProxyDataFactory;
import org.eclipse.jgit.transport.sshd.ProxyData;
import org.eclipse.jgit.transport.sshd.ProxyDataFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGit's hook for choosing a proxy per SSH connection. For a host behind Pomerium it opens the tunnel right here
 * (JGit calls this on the connecting thread before any of its timers start, so a slow sign-in cannot trip JGit's 30 s
 * proxy or 2 min authentication timeouts), parks it in the relay, and tells JGit to fetch it through the relay. Other
 * hosts get exactly what stock JGit would give them: {@link DefaultProxyDataFactory}, which follows the JVM's
 * {@code ProxySelector}.
 *
 * <p>known_hosts keeps working unchanged: JGit checks the host key against the name it was asked to connect to, not
 * the proxy's address.
 */
public final class PomeriumProxyDataFactory implements ProxyDataFactory {
  /**
   * How to reach a host: a Pomerium route and the settings to open it with, or (route null) the host's ProxyCommand
   * (its %-tokens expanded), run instead with {@code SHELL} from {@code environment}.
   */
  public record Routed(Route route, FactoryRuntime settings, String proxyCommand, UnaryOperator<String> environment,
      String origin) {
    /** A Pomerium route of the factory's own configuration (code, environment, command-line flags). */
    public static Routed pomerium(Route route, FactoryRuntime settings) {
      return new Routed(route, settings, null, null, "configured route");
    }

    public static Routed proxyCommand(String command, UnaryOperator<String> environment) {
      return new Routed(null, null, command, environment, null);
    }

    /** This route, saying where it came from (for {@link ConnectionPath#origin()}), e.g. an ssh config file. */
    public Routed from(String origin) {
      return new Routed(route, settings, proxyCommand, environment, origin);
    }

    /** As OpenSSH's {@code -v} shows it: the ProxyCommand as run, with its tokens expanded. */
    ConnectionPath path() {
      return proxyCommand != null ? ConnectionPath.proxyCommand(proxyCommand)
          : ConnectionPath.pomerium(route, origin);
    }
  }

  /** Which route, if any, carries connections to a host (after ssh config's HostName and Port). */
  @FunctionalInterface
  public interface Resolver {
    /** The route for {@code host:port}, or null to connect as stock JGit would. */
    Routed resolve(String host, int port) throws IOException;
  }

  private static final Logger log = LoggerFactory.getLogger(PomeriumProxyDataFactory.class);

  private final Resolver resolver;
  private final LoopbackRelay relay;
  private final Supplier<PomeriumEventListener> listener;
  private final ProxyDataFactory fallback = new DefaultProxyDataFactory();

  /** {@code listener} is asked at each connection: a ServiceLoader factory meets its configuration only then. */
  public PomeriumProxyDataFactory(Resolver resolver, LoopbackRelay relay, Supplier<PomeriumEventListener> listener) {
    this.resolver = resolver;
    this.relay = relay;
    this.listener = listener;
  }

  @Override
  public ProxyData get(InetSocketAddress remote) {
    Routed routed;
    try {
      routed = resolver.resolve(remote.getHostString(), remote.getPort());
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A ServiceLoader factory (or a ProxyCommand line) meets its configuration only here.
      throw sneakyThrow(new IOException("jgit-pomerium is misconfigured: " + e.getMessage(), e));
    } catch (IOException e) {
      throw sneakyThrow(e);
    }
    if (routed == null) {
      ProxyData proxy = fallback.get(remote);
      routedAs(remote, ConnectionPath.direct(proxy == null ? Proxy.NO_PROXY : proxy.getProxy()));
      return proxy;
    }
    routedAs(remote, routed.path());
    Tunnel tunnel;
    try {
      tunnel = routed.proxyCommand() != null
          ? ProxyCommands.open(routed.proxyCommand(), remote.getHostString() + ":" + remote.getPort(),
              routed.environment())
          : new TunnelDialer(routed.settings()).open(routed.route());
    } catch (IOException e) {
      throw sneakyThrow(e);
    }
    try {
      // Bound to what JGit will ask the relay for, which is the address it resolved (the route may name another).
      LoopbackRelay.Credentials grant = relay.grant(tunnel, remote.getHostString() + ":" + remote.getPort());
      return new ProxyData(new Proxy(Proxy.Type.HTTP, grant.address()), grant.user(), grant.password());
    } catch (IOException e) {
      tunnel.close();
      throw sneakyThrow(e);
    }
  }

  /** Says which way the connection goes: at debug level, and to the listener (the CLI's {@code -v}). */
  private void routedAs(InetSocketAddress remote, ConnectionPath path) {
    String host = remote.getHostString();
    int port = remote.getPort();
    log.debug("SSH connection to {}:{} goes {}", host, port, path);
    PomeriumEventListener current;
    try {
      current = listener.get();
    } catch (RuntimeException e) {
      return; // the configuration failed; resolve() has reported why
    }
    Events.safely(() -> current.connectionRouted(host, port, path));
  }

  /**
   * Throws {@code e} unchanged although {@link ProxyDataFactory#get} declares no checked exception. JGit calls it
   * inside {@code SshdSession.connect}, which closes its sshd client only on an {@link IOException}: a wrapping
   * unchecked exception would leak the client's threads at every failed connection. JGit then reports it as a
   * {@code TransportException} with our message and our exception as the cause.
   */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneakyThrow(Throwable e) throws E {
    throw (E) e;
  }
}
