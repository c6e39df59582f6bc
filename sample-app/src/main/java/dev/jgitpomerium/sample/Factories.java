package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
   * the host's ProxyCommand in ~/.ssh/config says (its flags apply, ours override them).
   *
   * @throws CliException if nothing says the host is behind Pomerium
   */
  static PomeriumSshSessionFactory forUri(URIish uri, PomeriumOptions pomerium, SshOptions ssh) throws IOException {
    if (uri.getHost() == null || !(uri.getScheme() == null || uri.getScheme().equals("ssh"))) {
      throw new CliException(uri + " is not an SSH URL (ssh://user@host[:port]/path or user@host:path)");
    }
    // Where JGit will connect: it applies HostName and Port from ~/.ssh/config, and the route must match that.
    SshConfigRoutes.HostConfig config = SshConfigRoutes.lookup(sshDirectory(), uri.getHost(), uri.getPort());
    String host = config.host();
    int port = config.port();
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builderFromEnvironment();
    if (pomerium.namesPomerium()) {
      pomerium.applyTo(builder, List.of(host + ":" + port));
    } else {
      Optional<SshConfigRoutes.ProxyCommandRoute> configured = config.proxyCommand() == null ? Optional.empty()
          : SshConfigRoutes.parse(config.proxyCommand(), host, port, uri.getUser());
      if (configured.isPresent()) {
        configured.get().options().applyTo(builder, List.of(configured.get().destination()));
      }
      pomerium.applyTo(builder, List.of());
    }
    ssh.applyTo(builder);
    PomeriumSshSessionFactory factory;
    try {
      factory = builder.build();
    } catch (IllegalStateException noRoutes) {
      factory = null;
    }
    // JGIT_POMERIUM_ROUTES may route it, or may route only other hosts.
    if (factory == null || factory.routes().stream().noneMatch(r -> r.matches(host, port))) {
      if (factory != null) {
        factory.close();
      }
      throw new CliException("no Pomerium route for " + host + ":" + port + ": pass --pomerium-url (or --route), "
          + "or give " + uri.getHost() + " a ProxyCommand running 'pomerium-cli tcp' in ~/.ssh/config");
    }
    return factory;
  }
}
