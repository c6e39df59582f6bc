package dev.jgitpomerium.transport.internal;

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.TokenSource;
import java.time.Duration;
import java.util.List;

/** The validated, immutable configuration behind one session factory. */
public record Settings(
    List<Route> routes,
    TokenSource tokenSource,
    TlsSetup tls,
    Duration connectTimeout,
    Duration responseTimeout,
    PomeriumEventListener listener) {

  public Settings {
    routes = List.copyOf(routes);
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
