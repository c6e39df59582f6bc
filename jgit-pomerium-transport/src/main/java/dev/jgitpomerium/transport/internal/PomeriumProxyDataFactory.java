package dev.jgitpomerium.transport.internal;

import dev.jgitpomerium.transport.PomeriumException;
import dev.jgitpomerium.transport.Route;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.function.Supplier;
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
  private final Supplier<Settings> settings;
  private final Supplier<TunnelDialer> dialer;
  private final LoopbackRelay relay;
  private final ProxyDataFactory fallback = new DefaultProxyDataFactory();

  public PomeriumProxyDataFactory(Supplier<Settings> settings, LoopbackRelay relay) {
    this.settings = settings;
    this.dialer = Lazy.of(() -> new TunnelDialer(settings.get()));
    this.relay = relay;
  }

  @Override
  public ProxyData get(InetSocketAddress remote) {
    Settings current;
    try {
      current = settings.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A ServiceLoader factory meets its configuration only here; fail this connection, try again next time.
      throw sneakyThrow(new IOException("jgit-pomerium is misconfigured: " + e.getMessage(), e));
    }
    Route route = current.routeFor(remote.getHostString(), remote.getPort());
    if (route == null) {
      return fallback.get(remote);
    }
    Tunnel tunnel;
    try {
      tunnel = dialer.get().open(route);
    } catch (PomeriumException e) {
      throw sneakyThrow(e);
    }
    try {
      LoopbackRelay.Credentials grant = relay.grant(tunnel);
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
