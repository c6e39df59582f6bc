package dev.jgitpomerium.bench;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.TokenStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.JGitKeyCache;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * Builds the two clients the benchmark compares, both from the files the server wrote: stock JGit
 * ({@link SshdSessionFactory}) dialling the SSH port, and {@link PomeriumSshSessionFactory} going
 * through the gateway. Everything else (keys, known_hosts, JGit's version and settings) is the
 * same. The tunnel comes two ways: without connection reuse ({@link #newFactory}, every operation
 * sets up its own SSH connection as stock JGit does: what the set-up measures compare), and as the
 * library comes by default, sharing one SSH connection per destination ({@link
 * #newReusingFactory}).
 */
final class Clients {
  /** JGit's transport timeout, in seconds: bounds every network wait of a git operation. */
  static final int GIT_TIMEOUT_SECONDS = 120;

  private static final String REPOSITORY = "/" + BenchRepository.NAME;

  private final ClientFiles files;
  private final int sshPort;
  private final String gatewayUrl;
  private final String head;

  Clients(ClientFiles files, int sshPort, String gatewayUrl, String head) {
    this.files = files;
    this.sshPort = sshPort;
    this.gatewayUrl = gatewayUrl;
    this.head = head;
  }

  String gatewayUrl() {
    return gatewayUrl;
  }

  java.nio.file.Path caCertificate() {
    return files.caCertificate();
  }

  /** The commit the server's {@code main} points at, to check every answer against. */
  String head() {
    return head;
  }

  String url(Via via) {
    return url(via, "git");
  }

  /**
   * The repository's URL as {@code user}: the server takes any user name with the key, and the
   * library shares a connection only between operations as the same user, so distinct users are
   * distinct connections of one factory.
   */
  String url(Via via, String user) {
    return via == Via.DIRECT
        ? "ssh://" + user + "@127.0.0.1:" + sshPort + REPOSITORY
        : "ssh://" + user + "@" + BenchServer.HOST + REPOSITORY;
  }

  /**
   * A new factory for the like-for-like measures; the caller closes it. The tunnel's does not reuse
   * connections ({@code noConnectionReuse()}), as stock JGit does not: each operation pays for its
   * own connection both ways.
   */
  SshdSessionFactory newFactory(Via via) {
    return via == Via.DIRECT ? newDirectFactory() : newTunnelFactory(false);
  }

  /**
   * A new factory as each client comes by default; the caller closes it. Stock JGit has no
   * connection reuse; the tunnel's shares one SSH connection per destination (the library's
   * default, an idle one kept 60 s).
   */
  SshdSessionFactory newReusingFactory(Via via) {
    return via == Via.DIRECT ? newDirectFactory() : newTunnelFactory(true);
  }

  private SshdSessionFactory newDirectFactory() {
    return new SshdSessionFactoryBuilder()
        .setHomeDirectory(files.home().toFile())
        .setSshDirectory(files.sshDirectory().toFile())
        .build(new JGitKeyCache());
  }

  /** @param reuse whether it shares connections (the default), or sets up one per operation */
  PomeriumSshSessionFactory newTunnelFactory(boolean reuse) {
    PomeriumSshSessionFactory.Builder builder =
        PomeriumSshSessionFactory.builder()
            .route(BenchServer.HOST + ":22")
            .pomeriumUrl(gatewayUrl)
            .addCaCertificates(files.caCertificate())
            .tokenFile(files.token())
            .tokenStore(TokenStore.inMemory())
            .interactive(false)
            .homeDirectory(files.home().toFile())
            .sshDirectory(files.sshDirectory().toFile());
    if (!reuse) {
      builder.noConnectionReuse();
    }
    return builder.build();
  }

  /** A full clone into {@code dir} without checkout; fails unless it has the server's {@code main}. */
  void cloneWithoutCheckout(Via via, SshdSessionFactory factory, Path dir) throws Exception {
    try (Git git =
        Git.cloneRepository()
            .setURI(url(via))
            .setDirectory(dir.toFile())
            .setNoCheckout(true)
            .setTimeout(GIT_TIMEOUT_SECONDS)
            .setTransportConfigCallback(using(factory))
            .call()) {
      ObjectId cloned = git.getRepository().resolve("refs/remotes/origin/main");
      if (cloned == null || !cloned.name().equals(head())) {
        throw new IllegalStateException("the " + via.label() + " clone has the wrong main");
      }
    }
  }

  static TransportConfigCallback using(SshdSessionFactory factory) {
    return transport -> {
      if (transport instanceof SshTransport ssh) {
        ssh.setSshSessionFactory(factory);
      }
    };
  }

  /** One ls-remote through {@code factory}; fails unless the server's {@code main} is listed. */
  void lsRemote(Via via, SshdSessionFactory factory) throws GitAPIException, IOException {
    lsRemote(via, "git", factory);
  }

  /** The same, as {@code user}. */
  void lsRemote(Via via, String user, SshdSessionFactory factory)
      throws GitAPIException, IOException {
    Map<String, Ref> refs =
        Git.lsRemoteRepository()
            .setRemote(url(via, user))
            .setTimeout(GIT_TIMEOUT_SECONDS)
            .setTransportConfigCallback(using(factory))
            .callAsMap();
    Ref main = refs.get("refs/heads/main");
    if (main == null || !main.getObjectId().name().equals(head)) {
      throw new IOException("ls-remote " + via.label() + " did not list main at " + head);
    }
  }
}
