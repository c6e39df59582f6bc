package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.internal.SshConfig;
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
   * A factory that routes {@code uri}'s host through Pomerium: as the flags say (--route, --pomerium-url), else as
   * the host's ProxyCommand in ~/.ssh/config says (the library reads that line; its flags apply, ours win).
   *
   * @throws CliException if nothing says the host is behind Pomerium
   */
  static PomeriumSshSessionFactory forUri(URIish uri, PomeriumOptions pomerium, SshOptions ssh) throws IOException {
    if (uri.getHost() == null || !(uri.getScheme() == null || uri.getScheme().equals("ssh"))) {
      throw new CliException(uri + " is not an SSH URL (ssh://user@host[:port]/path or user@host:path)");
    }
    // Where JGit will connect: it applies HostName and Port from ~/.ssh/config, and a route must name that.
    SshConfig.HostEntry target =
        SshConfig.lookup(sshDirectory().resolve("config"), uri.getHost(), uri.getPort(), uri.getUser());
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builderFromEnvironment();
    pomerium.applyTo(builder, pomerium.namesPomerium() ? List.of(target.host() + ":" + target.port()) : List.of());
    ssh.applyTo(builder);
    PomeriumSshSessionFactory factory = builder.build();
    if (factory.routeFor(uri.getHost(), uri.getPort()).isEmpty()) {
      factory.close();
      throw new CliException("no Pomerium route for " + target.host() + ":" + target.port() + ": pass "
          + "--pomerium-url (or --route), or give " + uri.getHost() + " a ProxyCommand running 'pomerium-cli tcp' "
          + "in ~/.ssh/config");
    }
    return factory;
  }
}
