package dev.jgitpomerium.sample;

import java.io.File;
import java.io.IOException;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RemoteConfig;
import org.eclipse.jgit.transport.URIish;
import picocli.CommandLine.Option;

/** Which local repository fetch and push work in: {@code --repo DIR}, else the one around the current directory. */
final class GitOptions {
  @Option(names = "--repo", paramLabel = "DIR", description = "The repository (default: the current directory's)")
  File repo;

  Git open() throws IOException {
    File start = repo != null ? repo : new File(System.getProperty("user.dir"));
    FileRepositoryBuilder builder = new FileRepositoryBuilder().findGitDir(start).readEnvironment();
    if (builder.getGitDir() == null) {
      throw new CliException("not a git repository: " + start.getAbsolutePath() + " (or any parent); use --repo DIR");
    }
    Repository repository = builder.setMustExist(true).build();
    return new Git(repository, true);
  }

  /** The URL of {@code remote} in {@code git}'s configuration. */
  static URIish remoteUri(Git git, String remote, boolean push) throws IOException {
    try {
      RemoteConfig config = new RemoteConfig(git.getRepository().getConfig(), remote);
      var uris = push && !config.getPushURIs().isEmpty() ? config.getPushURIs() : config.getURIs();
      if (uris.isEmpty()) {
        throw new CliException("no remote named '" + remote + "' in " + git.getRepository().getDirectory());
      }
      return uris.get(0);
    } catch (java.net.URISyntaxException e) {
      throw new CliException("remote '" + remote + "' has an invalid URL: " + e.getMessage(), e);
    }
  }
}
