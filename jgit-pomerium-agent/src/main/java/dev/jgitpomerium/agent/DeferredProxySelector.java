package dev.jgitpomerium.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The JVM's ProxySelector from the moment the agent is loaded, so that the host's {@code main} need not wait for the
 * implementation to start (half a second of class loading and configuration) on another thread. Questions other than
 * JGit's go straight to the selector it replaced. JGit's wait for the implementation, so that a routed host is never
 * connected to directly. If the implementation could not start (a configuration error, reported on start), or has not
 * started within {@link #START_TIMEOUT_SECONDS}, JGit's connections fail, through a proxy address that names the
 * reason, rather than going where the configuration said they must not: the agent was put there to route them.
 *
 * <p>It also notes the context class loader of the threads that ask, the host's (a Maven plugin's realm, Spring Boot's
 * launcher): the implementation logs through the SLF4J found there.
 */
final class DeferredProxySelector extends ProxySelector {
  static final long START_TIMEOUT_SECONDS = 30;
  static final String NOT_STARTED = "jgit-pomerium-agent-not-started.invalid";
  static final String NOT_STARTED_IN_TIME = "jgit-pomerium-agent-did-not-start-in-time.invalid";

  private final ProxySelector replaced;
  private final long startTimeoutMillis;
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile ProxySelector implementation;
  /** What JGit's questions get once the implementation could not start; null until then. */
  private volatile List<Proxy> notStarted;
  private volatile ClassLoader hostContext;

  DeferredProxySelector(ProxySelector replaced) {
    this(replaced, TimeUnit.SECONDS.toMillis(START_TIMEOUT_SECONDS));
  }

  DeferredProxySelector(ProxySelector replaced, long startTimeoutMillis) {
    this.replaced = replaced;
    this.startTimeoutMillis = startTimeoutMillis;
  }

  /** The implementation's selector: from now on, every question goes to it. */
  void started(ProxySelector selector) {
    implementation = selector;
    started.countDown();
  }

  /** The implementation could not start, for {@code reason}: JGit's connections then fail, saying so. */
  void failed(String reason) {
    String because = "jgit-pomerium-agent not started: " + reason;
    List<Proxy> answer;
    try {
      answer = List.of(new Proxy(Proxy.Type.HTTP, NotStartedRelay.start(because)));
    } catch (IOException | RuntimeException e) {
      answer = unusable(NOT_STARTED);
    }
    notStarted = answer;
    started.countDown();
  }

  /** The context class loader of the last host thread that asked (for the implementation's logging), or null. */
  Supplier<ClassLoader> hostContext() {
    return () -> hostContext;
  }

  /**
   * JGit's two questions before each SSH connection: {@code socket://host} (a SOCKS proxy), then {@code HTTP://host},
   * both without a port; the JDK's own sockets ask with a port. The same rule as {@code
   * PomeriumProxySelector.isJGitsQuestion}, which this class, on the host's class path, cannot see.
   */
  static boolean isJGitsQuestion(URI uri) {
    return uri.getPort() == -1 && ("socket".equals(uri.getScheme()) || "HTTP".equals(uri.getScheme()));
  }

  @Override
  public List<Proxy> select(URI uri) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    if (context != null && context != getClass().getClassLoader() && !(context instanceof IsolatedClassLoader)) {
      hostContext = context;
    }
    ProxySelector ready = implementation;
    if (ready != null) {
      return ready.select(uri);
    }
    if (!isJGitsQuestion(uri)) {
      return replaced != null ? replaced.select(uri) : List.of(Proxy.NO_PROXY);
    }
    try {
      if (!started.await(startTimeoutMillis, TimeUnit.MILLISECONDS)) {
        return unusable(NOT_STARTED_IN_TIME);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unusable(NOT_STARTED_IN_TIME);
    }
    ready = implementation;
    return ready != null ? ready.select(uri) : notStarted;
  }

  /** A proxy that cannot be reached, so that JGit fails naming it (and never falls back to a direct connection). */
  private static List<Proxy> unusable(String name) {
    return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(name, 1)));
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException failure) {
    ProxySelector ready = implementation;
    if (ready != null) {
      ready.connectFailed(uri, address, failure);
    } else if (replaced != null && notStarted == null) {
      replaced.connectFailed(uri, address, failure);
    }
  }
}
