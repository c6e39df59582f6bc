package dev.jgitpomerium.transport.internal;

import dev.jgitpomerium.transport.Route;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.sshd.DefaultProxyDataFactory;
import org.eclipse.jgit.transport.sshd.ProxyData;
import org.eclipse.jgit.transport.sshd.ProxyDataFactory;

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
  public record Routed(Route route, Settings settings, String proxyCommand, UnaryOperator<String> environment) {
    public static Routed pomerium(Route route, Settings settings) {
      return new Routed(route, settings, null, null);
    }

    public static Routed proxyCommand(String command, UnaryOperator<String> environment) {
      return new Routed(null, null, command, environment);
    }
  }

  /** Which route, if any, carries connections to a host (after ssh config's HostName and Port). */
  @FunctionalInterface
  public interface Resolver {
    /** The route for {@code host:port}, or null to connect as stock JGit would. */
    Routed resolve(String host, int port) throws IOException;
  }

  private final Resolver resolver;
  private final LoopbackRelay relay;
  private final ProxyDataFactory fallback = new DefaultProxyDataFactory();

  public PomeriumProxyDataFactory(Resolver resolver, LoopbackRelay relay) {
    this.resolver = resolver;
    this.relay = relay;
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
      return fallback.get(remote);
    }
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
