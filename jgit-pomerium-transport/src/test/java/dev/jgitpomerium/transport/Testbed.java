package dev.jgitpomerium.transport;

import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.testkit.TestRepositories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * The shared fixture: an SSH git server that plays {@code git.corp.example.com:22}, a Pomerium gateway that routes
 * that name to it and wants {@link #TOKEN}, and a home directory whose {@code .ssh} holds the user's key and a
 * known_hosts entry for the real host name only.
 */
final class Testbed implements AutoCloseable {
  static final String HOST = "git.corp.example.com";
  static final String TOKEN = "service-account-jwt";
  static final String REPOSITORY = "group/project.git";
  static final String URI = "ssh://git@" + HOST + "/" + REPOSITORY;

  final Path root;
  final GitSshServer ssh;
  final PomeriumGateway gateway;
  final Path home;
  final Path sshDirectory;
  final Path tokenCache;
  final FakeBrowserLauncher browser;
  final Repository origin;
  final ObjectId initialHead;

  private Testbed(Path root, GitSshServer ssh, PomeriumGateway gateway, Repository origin, ObjectId head)
      throws IOException {
    this.root = root;
    this.ssh = ssh;
    this.gateway = gateway;
    this.origin = origin;
    this.initialHead = head;
    this.home = Files.createDirectories(root.resolve("home"));
    this.sshDirectory = home.resolve(".ssh");
    this.tokenCache = root.resolve("token-cache");
    this.browser = new FakeBrowserLauncher(gateway);
    ssh.writeUserIdentity(sshDirectory);
    writeKnownHosts(PublicKeyEntry.toString(ssh.hostPublicKey()));
  }

  static Testbed start(Path root) throws IOException {
    return start(root, gateway -> { });
  }

  /** Starts everything; {@code customize} may add gateway options (faults can also be set later). */
  static Testbed start(Path root, Consumer<PomeriumGateway.Builder> customize) throws IOException {
    GitSshServer ssh = GitSshServer.start(Files.createDirectories(root.resolve("server")));
    PomeriumGateway gateway = null;
    try {
      Repository origin = ssh.createBareRepository(REPOSITORY);
      ObjectId head = TestRepositories.commitFiles(origin, 3, 1024, 42);
      PomeriumGateway.Builder builder = PomeriumGateway.builder()
          .requireToken(TOKEN)
          .route(HOST + ":22", ssh.address());
      customize.accept(builder);
      gateway = builder.start();
      return new Testbed(root, ssh, gateway, origin, head);
    } catch (IOException | RuntimeException e) {
      if (gateway != null) {
        gateway.close();
      }
      ssh.close();
      throw e;
    }
  }

  /** Replaces known_hosts with one line for the real host name (port 22, so no brackets). */
  void writeKnownHosts(String hostKey) throws IOException {
    Files.writeString(sshDirectory.resolve("known_hosts"), HOST + " " + hostKey + "\n");
  }

  /** A factory routed to this gateway, trusting its CA, with the accepted token and this home directory. */
  PomeriumSshSessionFactory.Builder factory() {
    return signInFactory().token(TOKEN);
  }

  /**
   * A factory like {@link #factory()} but with no token: it signs in through the gateway's sign-in page, opened by
   * {@link #browser}, and caches tokens in {@link #tokenCache}, never in the real home.
   */
  PomeriumSshSessionFactory.Builder signInFactory() {
    // Neither CI's variables nor a display leak in from the machine running the tests.
    return unattendedSignInFactory(name -> null).browserLauncher(browser).interactive(true);
  }

  /**
   * A factory with no token and no console to paste into (as in an IDE or a Gradle daemon), that decides by itself
   * whether it may wait for a sign-in, seeing {@code environment} as its environment variables; the default browser.
   */
  PomeriumSshSessionFactory.Builder unattendedSignInFactory(java.util.function.UnaryOperator<String> environment) {
    return PomeriumSshSessionFactory.builder()
        .route(HOST + ":22")
        .pomeriumUrl(gateway.url())
        .addCaCertificatesPem(gateway.caCertificatePem())
        .tokenStore(TokenStore.directory(tokenCache))
        .console(null, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
        .environment(environment)
        .homeDirectory(home.toFile())
        .sshDirectory(sshDirectory.toFile());
  }

  Git cloneThrough(PomeriumSshSessionFactory factory, String directory) throws GitAPIException {
    return Git.cloneRepository()
        .setURI(URI)
        .setDirectory(root.resolve(directory).toFile())
        .setTransportConfigCallback(factory)
        .call();
  }

  /**
   * Clones through {@code factory} from {@code count} threads at once, each into its own directory; all must succeed.
   */
  void cloneConcurrently(PomeriumSshSessionFactory factory, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(count);
    try {
      List<Future<ObjectId>> clones = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String directory = "clone-" + i;
        clones.add(pool.submit(() -> {
          try (Git clone = cloneThrough(factory, directory)) {
            return clone.getRepository().resolve("HEAD");
          }
        }));
      }
      for (Future<ObjectId> clone : clones) {
        if (!initialHead.equals(clone.get(5, TimeUnit.MINUTES))) {
          throw new AssertionError("a concurrent clone did not get the server's commit");
        }
      }
    } finally {
      pool.shutdown();
      if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
        throw new AssertionError("concurrent clones did not end");
      }
    }
  }

  @Override
  public void close() {
    gateway.issuedTokens().forEach(NoSecretsInLog::register);
    origin.close();
    gateway.close();
    ssh.close();
  }
}
