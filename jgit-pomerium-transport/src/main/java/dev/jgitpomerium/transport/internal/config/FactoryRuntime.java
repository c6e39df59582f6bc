package dev.jgitpomerium.transport.internal.config;

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.TokenSource;
import dev.jgitpomerium.transport.TokenStore;
import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.proxy.ForwardProxies;
import dev.jgitpomerium.transport.internal.reuse.ReusePolicy;
import dev.jgitpomerium.transport.internal.token.TokenChain;
import dev.jgitpomerium.transport.internal.tunnel.HttpClients;
import dev.jgitpomerium.transport.internal.tunnel.TlsSetup;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * What one factory's {@link Config} compiles into, once: the routes, the token chain (with its pending sign-ins), the
 * TLS context, the forward proxy choice and the HTTP client (made at first use) that tunnels are opened with, and the
 * values they use. Owned
 * by the factory, which closes it. {@code serverAliveInterval} and {@code serverAliveCountMax} are null when not set
 * in code or the environment (ssh config or the defaults decide).
 */
public record FactoryRuntime(
    List<Route> routes,
    TokenSource tokenSource,
    TokenStore tokenStore,
    TlsSetup tls,
    Duration connectTimeout,
    Duration responseTimeout,
    PomeriumEventListener listener,
    Lazy<OkHttpClient> http,
    Duration serverAliveInterval,
    Integer serverAliveCountMax,
    ForwardProxies forwardProxies,
    ReusePolicy connectionReuse) {

  public FactoryRuntime {
    routes = List.copyOf(routes);
  }

  /** Ends sign-ins waiting for the user and the HTTP client's idle connections: the factory is closing. */
  public void close() {
    if (tokenSource instanceof TokenChain chain) {
      chain.cancelSignIns();
    }
    OkHttpClient client = http.peek();
    if (client != null) {
      HttpClients.shutdown(client);
    }
  }

  /** The first route that carries {@code host:port}, or {@code null} when the host is not behind Pomerium. */
  public Route routeFor(String host, int port) {
    for (Route route : routes) {
      if (route.matches(host, port)) {
        return route;
      }
    }
    return null;
  }
}
