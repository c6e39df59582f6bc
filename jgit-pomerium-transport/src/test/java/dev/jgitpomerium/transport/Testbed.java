package dev.jgitpomerium.transport;

import dev.jgitpomerium.testkit.GitBehindPomerium;
import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * The shared fixture: the testkit's {@link GitBehindPomerium} scene (an SSH git server that plays {@code
 * git.corp.example.com:22}, a Pomerium gateway that routes that name to it and wants {@link #TOKEN}, and a home
 * directory whose {@code .ssh} holds the user's key and a known_hosts entry for the real host name only), plus what the
 * library's tests add: session factories for it, a {@link FakeBrowserLauncher}, and clones through a factory.
 */
final class Testbed implements AutoCloseable {
  static final String HOST = GitBehindPomerium.HOST;
  static final String TOKEN = GitBehindPomerium.TOKEN;
  static final String REPOSITORY = GitBehindPomerium.REPOSITORY;
  static final String URI = GitBehindPomerium.URI;

  final GitBehindPomerium scene;
  final Path root;
  final GitSshServer ssh;
  final PomeriumGateway gateway;
  final Path home;
  final Path sshDirectory;
  final Path tokenCache;
  final FakeBrowserLauncher browser;
  final Repository origin;
  final ObjectId initialHead;

  private Testbed(GitBehindPomerium scene) {
    this.scene = scene;
    this.root = scene.root();
    this.ssh = scene.ssh();
    this.gateway = scene.gateway();
    this.origin = scene.origin();
    this.initialHead = scene.initialHead();
    this.home = scene.home();
    this.sshDirectory = scene.sshDirectory();
    this.tokenCache = scene.tokenCache();
    this.browser = new FakeBrowserLauncher(gateway);
  }

  static Testbed start(Path root) throws IOException {
    return new Testbed(GitBehindPomerium.start(root));
  }

  /** Starts everything; {@code customize} may add gateway options (faults can also be set later). */
  static Testbed start(Path root, Consumer<PomeriumGateway.Builder> customize) throws IOException {
    return new Testbed(GitBehindPomerium.start(root, customize));
  }

  /** Replaces known_hosts with one line for the real host name (port 22, so no brackets). */
  void writeKnownHosts(String hostKey) throws IOException {
    scene.writeKnownHosts(hostKey);
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
    cloneConcurrently(factory, count, "clone-");
  }

  /** As {@link #cloneConcurrently(PomeriumSshSessionFactory, int)}, into directories named {@code prefix + i}. */
  void cloneConcurrently(PomeriumSshSessionFactory factory, int count, String prefix) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(count);
    try {
      List<Future<ObjectId>> clones = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String directory = prefix + i;
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
    scene.close();
  }
}
