package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.File;
import java.util.concurrent.Callable;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.URIish;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code clone <uri> [<dir>]}: JGit's clone (through Pomerium where routed); a failed clone leaves no directory behind.
 */
@Command(name = "clone", mixinStandardHelpOptions = true,
    description = "Clone a repository over SSH: through Pomerium where routed, else as ~/.ssh/config says")
final class CloneCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;
  @Mixin SshOptions ssh;

  @Parameters(index = "0", paramLabel = "URI", description = "ssh://git@host[:port]/path.git or git@host:path.git")
  String uri;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", description = "Where to clone (default: from the URI)")
  File directory;

  @Override
  public Integer call() throws Exception {
    URIish remote = Uris.parse(uri);
    File target = directory != null ? directory : new File(remote.getHumanishName());
    if (target.exists() && (!target.isDirectory() || target.list().length > 0)) {
      throw new CliException("destination path '" + target + "' already exists and is not an empty directory");
    }
    boolean created = !target.exists();
    try (PomeriumSshSessionFactory factory = Factories.forUri(remote, pomerium, ssh, main)) {
      main.err().println("Cloning into '" + target + "'...");
      try (Git git = Git.cloneRepository().setURI(uri).setDirectory(target)
          .setTransportConfigCallback(factory).setProgressMonitor(Progress.on(main.err())).call()) {
        main.err().println("Cloned " + uri + " at " + git.getRepository().resolve("HEAD").abbreviate(7).name());
      }
    } catch (Exception e) {
      // Leave the destination as it was: gone if we made it, empty if it was an empty directory.
      Uris.deleteRecursively(target.toPath());
      if (!created) {
        target.mkdirs();
      }
      throw e;
    }
    return 0;
  }
}
