package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code push [<remote> [<refspec>...]]}: JGit's push through Pomerium; a rejected ref makes it fail. */
@Command(name = "push", mixinStandardHelpOptions = true,
    description = "Push to a remote over SSH: through Pomerium where routed, else as ~/.ssh/config says")
final class PushCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;
  @Mixin SshOptions ssh;
  @Mixin GitOptions repository;

  @Parameters(index = "0", arity = "0..1", paramLabel = "REMOTE", defaultValue = "origin",
      description = "Remote name (default: ${DEFAULT-VALUE})")
  String remote;

  @Parameters(index = "1..*", paramLabel = "REFSPEC", description = "What to push (default: the current branch)")
  List<String> refSpecs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    boolean rejected = false;
    try (Git git = repository.open();
        PomeriumSshSessionFactory factory = Factories.forUri(GitOptions.remoteUri(git, remote, true), pomerium,
            ssh, main)) {
      org.eclipse.jgit.api.PushCommand push = git.push().setRemote(remote).setTransportConfigCallback(factory)
          .setProgressMonitor(Progress.on(main.err()));
      if (refSpecs.isEmpty()) {
        String branch = git.getRepository().getBranch();
        push.setRefSpecs(new RefSpec(branch + ":" + branch));
      } else {
        push.setRefSpecs(refSpecs.stream().map(RefSpec::new).toList());
      }
      for (PushResult result : push.call()) {
        for (RemoteRefUpdate update : result.getRemoteUpdates()) {
          boolean ok = update.getStatus() == RemoteRefUpdate.Status.OK
              || update.getStatus() == RemoteRefUpdate.Status.UP_TO_DATE;
          rejected |= !ok;
          main.err().println(" " + update.getStatus().name().toLowerCase(java.util.Locale.ROOT) + " "
              + update.getRemoteName() + (update.getMessage() == null ? "" : " (" + update.getMessage() + ")"));
        }
      }
    }
    if (rejected) {
      throw new CliException("the remote rejected some refs (see above)");
    }
    return 0;
  }
}
