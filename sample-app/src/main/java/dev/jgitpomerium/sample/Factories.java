package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.ConnectionPath;
import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.SshTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.transport.URIish;

/** Builds the session factory a command needs, from the flags, ~/.ssh/config and the environment. */
final class Factories {
  private Factories() {}

  /** ~/.ssh, following {@code -Duser.home} as JGit does. */
  static Path sshDirectory() {
    return Path.of(System.getProperty("user.home"), ".ssh");
  }

  /**
   * The factory for a git command on {@code uri}: it connects the way the library does for every host, through
   * Pomerium when the flags say so (--route, --pomerium-url) or the environment or the host's pomerium-cli
   * ProxyCommand in ~/.ssh/config does (the library reads that line; its flags apply, ours win), through the host's
   * other ProxyCommand, or directly. With {@code -v} it says on standard error which way each connection went.
   *
   * @throws CliException if the flags ask for Pomerium but none of their routes is the host's
   */
  static PomeriumSshSessionFactory forUri(URIish uri, PomeriumOptions pomerium, SshOptions ssh, Main main)
      throws IOException {
    if (!Uris.isSsh(uri)) {
      // A remote's URL from the repository's configuration (command-line URLs were checked by Uris.parse).
      throw new CliException("'" + uri + "' is not an SSH URL (" + Uris.SSH_URL_FORMS + ")");
    }
    // Where JGit will connect: it applies HostName and Port from ~/.ssh/config, and a route must name that.
    SshTarget target = SshTarget.resolve(sshDirectory().resolve("config"), uri.getHost(), uri.getPort(), uri.getUser());
    String destination = target.host() + ":" + target.port();
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builderFromEnvironment();
    pomerium.applyTo(builder, pomerium.namesPomerium() ? List.of(destination) : List.of());
    ssh.applyTo(builder, main.err());
    if (main.verbose) {
      builder.eventListener(new PomeriumEventListener() {
        @Override
        public void connectionRouted(String host, int port, ConnectionPath path) {
          main.err().println("jgit-pomerium: " + SshTarget.hostAndPort(host, port) + " " + path);
        }
      });
    }
    PomeriumSshSessionFactory factory = builder.build();
    try {
      // Also reads the host's pomerium-cli ProxyCommand now, so that a line that cannot be used fails before anything
      // is created.
      boolean routed = factory.routeFor(uri.getHost(), uri.getPort(), uri.getUser()).isPresent();
      if (!routed && pomerium.namesPomerium()) {
        // The user asked for Pomerium on this command line: never connect some other way instead.
        throw new CliException("no Pomerium route for " + destination + ": --route names only "
            + String.join(", ", pomerium.routes) + "; add --route " + destination + ", or leave out --route and "
            + "--pomerium-url to connect as ~/.ssh/config says");
      }
    } catch (IOException | RuntimeException e) {
      factory.close();
      throw e;
    }
    return factory;
  }
}
