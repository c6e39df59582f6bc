package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.TokenStore;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code status}: routes in effect, where tokens are cached, and whether each endpoint has one (never the token). */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the routes in effect and whether a token is cached for each Pomerium")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;

  @Override
  public Integer call() throws Exception {
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builderFromEnvironment();
    pomerium.applyTo(builder, List.of());
    List<Route> routes;
    TokenStore store;
    try (PomeriumSshSessionFactory factory = builder.build()) {
      routes = factory.routes();
      store = factory.tokenStore();
    }
    main.out().println("jgit-pomerium " + PomeriumSshSessionFactory.version());
    main.out().println("Token cache: " + store.location());
    if (routes.isEmpty()) {
      main.out().println("Routes: none (give --route or --pomerium-url, set JGIT_POMERIUM_ROUTES, or use a "
          + "ProxyCommand in ~/.ssh/config)");
    } else {
      main.out().println("Routes:");
      for (Route route : routes) {
        main.out().println("  " + route.destination() + " via " + route.endpoint().url());
      }
    }
    Set<PomeriumEndpoint> endpoints = new LinkedHashSet<>();
    routes.forEach(r -> endpoints.add(r.endpoint()));
    for (PomeriumEndpoint endpoint : endpoints) {
      main.out().println("Pomerium at " + endpoint.url() + ": " + (present(store, endpoint) ? "signed in (token cached)"
          : "not signed in"));
    }
    return 0;
  }

  private static boolean present(TokenStore store, PomeriumEndpoint endpoint) {
    try {
      return store.load(endpoint) != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** The token cache the environment selects (JGIT_POMERIUM_TOKEN_CACHE), else pomerium-cli's. */
  static TokenStore tokenStore() {
    try (PomeriumSshSessionFactory factory = PomeriumSshSessionFactory.builderFromEnvironment().build()) {
      return factory.tokenStore();
    }
  }
}
