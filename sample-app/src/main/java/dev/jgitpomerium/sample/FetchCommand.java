package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TrackingRefUpdate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code fetch [<remote> [<refspec>...]]}: JGit's fetch through Pomerium, in the current repository or --repo. */
@Command(name = "fetch", mixinStandardHelpOptions = true,
    description = "Fetch from a remote over SSH: through Pomerium where routed, else as ~/.ssh/config says")
final class FetchCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;
  @Mixin SshOptions ssh;
  @Mixin GitOptions repository;

  @Parameters(index = "0", arity = "0..1", paramLabel = "REMOTE", defaultValue = "origin",
      description = "Remote name (default: ${DEFAULT-VALUE})")
  String remote;

  @Parameters(index = "1..*", paramLabel = "REFSPEC", description = "What to fetch (default: the remote's fetch specs)")
  List<String> refSpecs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    try (Git git = repository.open();
        PomeriumSshSessionFactory factory = Factories.forUri(GitOptions.remoteUri(git, remote, false), pomerium,
            ssh, main)) {
      org.eclipse.jgit.api.FetchCommand fetch = git.fetch().setRemote(remote).setTransportConfigCallback(factory)
          .setProgressMonitor(Progress.on(main.err()));
      if (!refSpecs.isEmpty()) {
        fetch.setRefSpecs(refSpecs.stream().map(RefSpec::new).toList());
      }
      FetchResult result = fetch.call();
      for (TrackingRefUpdate update : result.getTrackingRefUpdates()) {
        main.err().println(" " + update.getResult().name().toLowerCase(java.util.Locale.ROOT) + " "
            + update.getRemoteName() + " -> " + update.getLocalName() + " " + update.getNewObjectId().abbreviate(7)
            .name());
      }
    }
    return 0;
  }
}
