package dev.jgitpomerium.transport.internal.routing;

import dev.jgitpomerium.transport.ConnectionPath;
import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.relay.LoopbackRelay;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
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
  private static final Logger log = LoggerFactory.getLogger(PomeriumProxyDataFactory.class);

  private final Router router;
  private final LoopbackRelay relay;
  private final ProxyDataFactory fallback = new DefaultProxyDataFactory();

  public PomeriumProxyDataFactory(Router router, LoopbackRelay relay) {
    this.router = router;
    this.relay = relay;
  }

  @Override
  public ProxyData get(InetSocketAddress remote) {
    Router.Decision decision;
    try {
      decision = router.forConnection(remote.getHostString(), remote.getPort());
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A ServiceLoader factory (or a ProxyCommand line) meets its configuration only here.
      throw sneakyThrow(new IOException("jgit-pomerium is misconfigured: " + e.getMessage(), e));
    }
    if (decision instanceof Router.Direct) {
      ProxyData proxy = fallback.get(remote);
      routedAs(remote, decision.path(proxy == null ? Proxy.NO_PROXY : proxy.getProxy()));
      return proxy;
    }
    routedAs(remote, decision.path(null));
    Tunnel tunnel;
    try {
      tunnel = decision instanceof Router.ProxyCommand command
          ? ProxyCommands.open(command.line(), command.source(), remote.getHostString() + ":" + remote.getPort(),
              command.environment())
          : ((Router.Pomerium) decision).open();
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
      current = router.runtime().listener();
    } catch (RuntimeException e) {
      return; // the configuration failed; forConnection() has reported why
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
