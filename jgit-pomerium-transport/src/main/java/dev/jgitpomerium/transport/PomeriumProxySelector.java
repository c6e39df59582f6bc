package dev.jgitpomerium.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Reaches JGit code that builds its own session factory with {@code new SshdSessionFactory()} (Maven SCM's jgit
 * provider does, per command), which consults neither the ServiceLoader nor this library: its only hook is the JVM's
 * {@link ProxySelector}. Installed, this selector sends hosts behind Pomerium (routes, or a pomerium-cli ProxyCommand
 * in
 * ~/.ssh/config) to the factory's loopback relay, and every other URI to the selector it replaced.
 *
 * <p>JGit's {@code DefaultProxyDataFactory} passes no credential to a proxy chosen this way, so the relay accepts such
 * a connection only when the kernel shows it comes from this very process (Linux); another local process is refused
 * as always. The tunnel is opened when JGit connects, within JGit's 30 s proxy budget: give such tools a token (a
 * service-account token or cached sign-in) rather than relying on an interactive sign-in.
 *
 * <pre>{@code
 * PomeriumProxySelector.install(PomeriumSshSessionFactory.builderFromEnvironment().build());
 * }</pre>
 */
public final class PomeriumProxySelector extends ProxySelector {
  private final PomeriumSshSessionFactory factory;
  private final InetSocketAddress relay;
  private final ProxySelector previous;

  private PomeriumProxySelector(PomeriumSshSessionFactory factory, InetSocketAddress relay, ProxySelector previous) {
    this.factory = factory;
    this.relay = relay;
    this.previous = previous;
  }

  /** Makes this the JVM's default ProxySelector, in front of the current one; returns it, for {@link #uninstall}. */
  public static synchronized PomeriumProxySelector install(PomeriumSshSessionFactory factory) throws IOException {
    PomeriumProxySelector selector = create(factory, ProxySelector.getDefault());
    ProxySelector.setDefault(selector);
    return selector;
  }

  /**
   * A selector that is not installed, for a caller that installs its own chain (the Java agent's bootstrap): routed
   * hosts go to the factory's relay, which this starts; every other URI to {@code fallback} (or no proxy if null).
   */
  public static PomeriumProxySelector create(PomeriumSshSessionFactory factory, ProxySelector fallback)
      throws IOException {
    Objects.requireNonNull(factory, "factory == null");
    return new PomeriumProxySelector(factory, factory.serveProxySelectorClients(), fallback);
  }

  /** Puts back the selector this one replaced (if this one is still the default). */
  public synchronized void uninstall() {
    if (ProxySelector.getDefault() == this) {
      ProxySelector.setDefault(previous);
    }
  }

  @Override
  public List<Proxy> select(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    String host = uri.getHost();
    if (isJGitsQuestion(uri) && host != null && factory.routesHost(host)) {
      // No SOCKS proxy (the JVM's socksProxyHost) may take a routed host around Pomerium: JGit would prefer it.
      return scheme.equals("HTTP") ? List.of(new Proxy(Proxy.Type.HTTP, relay)) : List.of(Proxy.NO_PROXY);
    }
    return previous != null ? previous.select(uri) : List.of(Proxy.NO_PROXY);
  }

  /**
   * Whether {@code uri} is one of the two questions JGit's {@code DefaultProxyDataFactory} asks before each SSH
   * connection: {@code socket://host} for a SOCKS proxy, then {@code HTTP://host} (upper case), both without a port.
   * The JDK's own sockets ask {@code socket://host:port}, and ordinary http(s) traffic uses lower-case schemes: those
   * go on as before.
   */
  public static boolean isJGitsQuestion(URI uri) {
    return uri.getPort() == -1 && ("socket".equals(uri.getScheme()) || "HTTP".equals(uri.getScheme()));
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException failure) {
    if (previous != null && !relay.equals(address)) {
      previous.connectFailed(uri, address, failure);
    }
  }
}
