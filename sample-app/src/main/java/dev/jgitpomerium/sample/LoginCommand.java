package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.Route;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code login <endpoint>}: signs in to a Pomerium now and caches the token (shared with pomerium-cli). */
@Command(name = "login", mixinStandardHelpOptions = true,
    description = "Sign in to Pomerium now and cache the token (shared with pomerium-cli)")
final class LoginCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;

  @Parameters(paramLabel = "ENDPOINT", description = "Pomerium's URL, e.g. https://pomerium.corp.example.com")
  String endpoint;

  @Override
  public Integer call() throws Exception {
    PomeriumEndpoint target = PomeriumEndpoint.parse(endpoint);
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builderFromEnvironment()
        .route(Route.of(target.host(), target.port(), target));
    pomerium.applyTo(builder, List.of());
    try (PomeriumSshSessionFactory factory = builder.build()) {
      factory.signIn(target);
      main.out().println("Signed in to Pomerium at " + target.url() + "; the token is kept in "
          + factory.tokenStore());
    }
    return 0;
  }
}
