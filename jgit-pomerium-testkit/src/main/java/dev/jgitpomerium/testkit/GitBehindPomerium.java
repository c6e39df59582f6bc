package dev.jgitpomerium.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * The scene of the end-to-end tests: an SSH git server ({@link GitSshServer}) that plays {@value #HOST} port 22 with
 * {@value #REPOSITORY} (three commits on {@code main}), and a {@link PomeriumGateway} that routes that name to it and
 * wants {@value #TOKEN}. Under one root directory: {@code home/.ssh} with the key the server accepts and a known_hosts
 * line for the real host name only (never the gateway's or the server's address), the gateway's CA certificate, a
 * file holding the token, and an empty token cache.
 *
 * <p>It holds the servers, files and keys, nothing of a client: the library's tests add a session factory, the
 * command line's tests the CLI. {@link #close()} closes the repository, the gateway and the server.
 */
public final class GitBehindPomerium implements AutoCloseable {
  /** The git host's name; it does not resolve, only the gateway reaches it. */
  public static final String HOST = "git.corp.example.com";

  /**
   * The token the gateway accepts. It matches test.sh's token pattern on purpose: should a client ever leak it into a
   * test's output, test.sh says so.
   */
  public static final String TOKEN = "service-account-jwt";

  /** The repository on the server. */
  public static final String REPOSITORY = "group/project.git";

  /** {@code ssh://git@git.corp.example.com/group/project.git}, the URL a user writes for it. */
  public static final String URI = "ssh://git@" + HOST + "/" + REPOSITORY;

  private final Path root;
  private final GitSshServer ssh;
  private final PomeriumGateway gateway;
  private final Repository origin;
  private final ObjectId initialHead;
  private final Path home;
  private final Path sshDirectory;
  private final Path caFile;
  private final Path tokenFile;
  private final Path tokenCache;

  private GitBehindPomerium(Path root, GitSshServer ssh, PomeriumGateway gateway, Repository origin, ObjectId head)
      throws IOException {
    this.root = root;
    this.ssh = ssh;
    this.gateway = gateway;
    this.origin = origin;
    this.initialHead = head;
    this.home = Files.createDirectories(root.resolve("home"));
    this.sshDirectory = home.resolve(".ssh");
    ssh.writeUserIdentity(sshDirectory);
    writeKnownHosts(PublicKeyEntry.toString(ssh.hostPublicKey()));
    this.caFile = gateway.writeCaCertificate(root.resolve("pomerium-ca.pem"));
    this.tokenFile = Files.writeString(root.resolve("service-account.jwt"), TOKEN + "\n", StandardCharsets.US_ASCII);
    this.tokenCache = Files.createDirectories(root.resolve("token-cache"));
  }

  /** Starts the scene under {@code root}. */
  public static GitBehindPomerium start(Path root) throws IOException {
    return start(root, gateway -> { });
  }

  /** Starts the scene; {@code gatewayOptions} may add gateway options (faults can also be set later). */
  public static GitBehindPomerium start(Path root, Consumer<PomeriumGateway.Builder> gatewayOptions)
      throws IOException {
    GitSshServer ssh = GitSshServer.start(Files.createDirectories(root.resolve("server")));
    PomeriumGateway gateway = null;
    Repository origin = null;
    try {
      origin = ssh.createBareRepository(REPOSITORY);
      ObjectId head = TestRepositories.commitFiles(origin, 3, 1024, 42);
      PomeriumGateway.Builder builder =
          PomeriumGateway.builder().requireToken(TOKEN).route(HOST + ":22", ssh.address());
      gatewayOptions.accept(builder);
      gateway = builder.start();
      return new GitBehindPomerium(root, ssh, gateway, origin, head);
    } catch (IOException | RuntimeException e) {
      if (gateway != null) {
        gateway.close();
      }
      if (origin != null) {
        origin.close();
      }
      ssh.close();
      throw e;
    }
  }

  /** The directory everything of the scene is under. */
  public Path root() {
    return root;
  }

  /** {@code name} resolved against {@link #root()}, e.g. for a clone's directory. */
  public Path path(String name) {
    return root.resolve(name);
  }

  /** The SSH git server that plays {@value #HOST}. */
  public GitSshServer ssh() {
    return ssh;
  }

  /** The gateway, routing {@value #HOST}{@code :22} to {@link #ssh()}. */
  public PomeriumGateway gateway() {
    return gateway;
  }

  /** {@value #REPOSITORY} on the server, open; closed by {@link #close()}. */
  public Repository origin() {
    return origin;
  }

  /** The server's {@code main} when the scene started. */
  public ObjectId initialHead() {
    return initialHead;
  }

  /** The user's home directory. */
  public Path home() {
    return home;
  }

  /** {@code ~/.ssh}: {@code id_ecdsa} (the key the server accepts) and {@code known_hosts}. */
  public Path sshDirectory() {
    return sshDirectory;
  }

  /** The gateway's CA certificate (PEM), e.g. for {@code --alternate-ca-path}. */
  public Path caFile() {
    return caFile;
  }

  /** A file holding {@link #TOKEN}, e.g. for {@code --service-account-file}. */
  public Path tokenFile() {
    return tokenFile;
  }

  /** An empty directory for signed-in tokens, so that no test touches the real cache. */
  public Path tokenCache() {
    return tokenCache;
  }

  /** Replaces {@code ~/.ssh/known_hosts} with one line for the real host name (port 22, so no brackets). */
  public void writeKnownHosts(String hostKey) throws IOException {
    Files.writeString(sshDirectory.resolve("known_hosts"), HOST + " " + hostKey + "\n", StandardCharsets.US_ASCII);
  }

  /** Writes {@code ~/.ssh/config}. */
  public Path writeSshConfig(String content) throws IOException {
    return Files.writeString(sshDirectory.resolve("config"), content, StandardCharsets.UTF_8);
  }

  /** Closes the repository, the gateway and the server. */
  @Override
  public void close() {
    try {
      origin.close();
      gateway.close();
    } finally {
      ssh.close();
    }
  }

  @Override
  public String toString() {
    return "GitBehindPomerium{" + gateway + " -> " + ssh + ", root=" + root + "}";
  }
}
