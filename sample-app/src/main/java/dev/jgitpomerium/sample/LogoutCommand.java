package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.TokenStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code logout [<endpoint>]}: forgets the cached token of one Pomerium, or every cached token. */
@Command(name = "logout", mixinStandardHelpOptions = true,
    description = "Remove the cached token of ENDPOINT, or of every Pomerium (the cache is "
    + "shared with pomerium-cli)")
final class LogoutCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(arity = "0..1", paramLabel = "ENDPOINT", description = "Pomerium's URL; default: all")
  String endpoint;

  @Override
  public Integer call() throws Exception {
    TokenStore store = StatusCommand.tokenStore();
    if (endpoint == null) {
      store.clearAll();
      main.out().println("Signed out of every Pomerium: removed the tokens in " + store.location());
    } else {
      PomeriumEndpoint target = PomeriumEndpoint.parse(endpoint);
      boolean had = store.load(target) != null;
      store.clear(target);
      main.out().println(had ? "Signed out of Pomerium at " + target.url()
          : "No token was cached for Pomerium at " + target.url());
    }
    return 0;
  }
}
