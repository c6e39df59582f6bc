package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.util.Comparator;
import java.util.concurrent.Callable;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Ref;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code ls-remote <uri>}: the remote's refs on standard output, as git prints them. */
@Command(name = "ls-remote", mixinStandardHelpOptions = true,
    description = "List a remote repository's refs over SSH: through Pomerium where routed, else as ~/.ssh/config says")
final class LsRemoteCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;
  @Mixin SshOptions ssh;

  @Parameters(paramLabel = "URI", description = "ssh://git@host[:port]/path.git or git@host:path.git")
  String uri;

  @Override
  public Integer call() throws Exception {
    try (PomeriumSshSessionFactory factory = Factories.forUri(Uris.parse(uri), pomerium, ssh, main)) {
      for (Ref ref : Git.lsRemoteRepository().setRemote(uri).setTransportConfigCallback(factory).call().stream()
          .sorted(Comparator.comparing(Ref::getName)).toList()) {
        main.out().println(ref.getObjectId().name() + "\t" + ref.getName());
      }
    }
    return 0;
  }
}
