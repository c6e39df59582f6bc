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

/**
 * The JVM's ProxySelector from the moment the agent is loaded, so that the host's {@code main} need not wait for the
 * implementation to start (half a second of class loading and configuration) on another thread. Questions other than
 * JGit's go straight to the selector it replaced. JGit's ({@code HTTP://host}, {@code SOCKS://host}: JGit's
 * DefaultProxyDataFactory spells them in upper case) wait for the implementation, so that a routed host is never
 * connected to directly; if it cannot start they go to the replaced selector, and if it has not started in {@link
 * #START_TIMEOUT_SECONDS} the connection fails through a proxy address that names the reason.
 */
final class DeferredProxySelector extends ProxySelector {
  static final long START_TIMEOUT_SECONDS = 30;

  private final ProxySelector replaced;
  private final long startTimeoutMillis;
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile ProxySelector implementation;

  DeferredProxySelector(ProxySelector replaced) {
    this(replaced, TimeUnit.SECONDS.toMillis(START_TIMEOUT_SECONDS));
  }

  DeferredProxySelector(ProxySelector replaced, long startTimeoutMillis) {
    this.replaced = replaced;
    this.startTimeoutMillis = startTimeoutMillis;
  }

  /** The implementation's selector, or {@code null} if it could not start: from now on, the JVM is as without it. */
  void started(ProxySelector selector) {
    implementation = selector;
    started.countDown();
  }

  @Override
  public List<Proxy> select(URI uri) {
    ProxySelector ready = implementation;
    if (ready != null) {
      return ready.select(uri);
    }
    String scheme = uri.getScheme();
    boolean jgitAsks = "HTTP".equals(scheme) || "SOCKS".equals(scheme);
    if (jgitAsks && started.getCount() > 0) {
      try {
        if (!started.await(startTimeoutMillis, TimeUnit.MILLISECONDS)) {
          return List.of(new Proxy(Proxy.Type.HTTP,
              InetSocketAddress.createUnresolved("jgit-pomerium-agent-did-not-start-in-time", 1)));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of(new Proxy(Proxy.Type.HTTP,
            InetSocketAddress.createUnresolved("jgit-pomerium-agent-interrupted-while-starting", 1)));
      }
      ready = implementation;
      if (ready != null) {
        return ready.select(uri);
      }
    }
    return replaced != null ? replaced.select(uri) : List.of(Proxy.NO_PROXY);
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException failure) {
    ProxySelector ready = implementation;
    if (ready != null) {
      ready.connectFailed(uri, address, failure);
    } else if (replaced != null) {
      replaced.connectFailed(uri, address, failure);
    }
  }
}
