package com.example;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.File;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.URIish;

/**
 * Clones a repository over SSH with JGit, through Pomerium for the repository's host.
 *
 * <pre>
 * POMERIUM_URL=https://pomerium.corp.example.com POMERIUM_TOKEN_FILE=/run/secrets/pomerium-token \
 *   java -cp ... com.example.CloneThroughPomerium ssh://git@git.corp.example.com/group/project.git project
 * </pre>
 *
 * <p>{@code POMERIUM_CA_FILE} adds a CA to trust for Pomerium's certificate (a private CA); the JVM's are always
 * trusted.
 */
public final class CloneThroughPomerium {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: CloneThroughPomerium REPOSITORY-URI DIRECTORY");
      System.exit(2);
    }
    URIish uri = new URIish(args[0]);
    File directory = new File(args[1]);

    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builder()
        .route(uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 22)) // the SSH host behind Pomerium
        .pomeriumUrl(required("POMERIUM_URL"))
        .tokenFile(Path.of(required("POMERIUM_TOKEN_FILE"))); // a service-account JWT, read at each connect
    if (System.getenv("POMERIUM_CA_FILE") != null) {
      builder.addCaCertificates(Path.of(System.getenv("POMERIUM_CA_FILE")));
    }
    // Every JGit SSH connection of this JVM now goes through this factory: through Pomerium for the route's host,
    // directly (or as ~/.ssh/config says) for every other host. Closing it ends its tunnels and relay thread.
    try (PomeriumSshSessionFactory pomerium = builder.build()) {
      SshSessionFactory.setInstance(pomerium);
      try (Git git = Git.cloneRepository().setURI(uri.toString()).setDirectory(directory).call()) {
        System.out.println("Cloned " + uri + " into " + directory + " at "
            + git.getRepository().resolve(Constants.HEAD).name());
      } finally {
        SshSessionFactory.setInstance(null);
      }
    }
  }

  private static String required(String variable) {
    String value = System.getenv(variable);
    if (value == null || value.isBlank()) {
      System.err.println("CloneThroughPomerium: set " + variable);
      System.exit(2);
    }
    return value;
  }
}
