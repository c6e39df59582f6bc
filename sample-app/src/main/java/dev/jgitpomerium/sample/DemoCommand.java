package dev.jgitpomerium.sample;

import dev.jgitpomerium.testkit.FakeBrowser;
import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.testkit.TestRepositories;
import dev.jgitpomerium.transport.BrowserLauncher;
import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.TokenStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code demo}: starts a Pomerium-compatible gateway and an SSH git server in this process, signs in (the sign-in page
 * completes by itself), then clones, commits, pushes and fetches through the tunnel, printing what happens. It needs no
 * network and no set-up.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Sign in, clone, commit, push and fetch through an embedded Pomerium gateway "
    + "and SSH git server (no network, no set-up)")
final class DemoCommand implements Callable<Integer> {
  private static final String HOST = "git.corp.example.com";
  /** The gateway checks tokens; only the one the sign-in mints will be accepted. */
  private static final String UNUSED_TOKEN = "demo-token-nobody-has";

  @ParentCommand Main main;

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("jgit-pomerium-demo");
    try {
      demo(work, main.out());
    } finally {
      deleteRecursively(work);
    }
    return 0;
  }

  static void demo(Path work, PrintStream out) throws Exception {
    try (GitSshServer ssh = GitSshServer.start(Files.createDirectories(work.resolve("server")));
        PomeriumGateway gateway = PomeriumGateway.builder()
            .requireToken(UNUSED_TOKEN)
            .route(HOST + ":22", ssh.address())
            .start();
        Repository origin = ssh.createBareRepository("group/project.git")) {
      ObjectId seeded = TestRepositories.commitFiles(origin, 3, 2048, 1);
      out.println("SSH git server   " + ssh.address() + " plays " + HOST + ":22 (repository group/project.git)");
      out.println("Pomerium gateway " + gateway.url() + " routes " + HOST + ":22 there, wants a signed-in token");

      Path home = Files.createDirectories(work.resolve("home"));
      Path sshDirectory = home.resolve(".ssh");
      ssh.writeUserIdentity(sshDirectory);
      Files.writeString(sshDirectory.resolve("known_hosts"),
          HOST + " " + PublicKeyEntry.toString(ssh.hostPublicKey()) + "\n");

      PomeriumEventListener printer = new PomeriumEventListener() {
        @Override
        public void tunnelOpened(Route route, Duration elapsed) {
          out.println("  tunnel to " + route.destination() + " via Pomerium at " + route.endpoint() + " open in "
              + elapsed.toMillis() + " ms");
        }

        @Override
        public void tokenObtained(PomeriumEndpoint endpoint, String source) {
          out.println("  token for " + endpoint + " from " + source);
        }

        @Override
        public void tunnelClosed(Route route, long sent, long received) {
          out.println("  tunnel closed: " + sent + " bytes sent, " + received + " received");
        }
      };
      String uri = "ssh://git@" + HOST + "/group/project.git";
      // No token: the first connection signs in. The gateway's sign-in page completes by itself, and a stand-in
      // browser follows it; the token is kept in memory so the demo never touches your real token cache.
      BrowserLauncher browser = url -> {
        try {
          FakeBrowser.visit(url.toString(), gateway);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("demo browser interrupted");
        }
      };
      try (PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
          .route(HOST + ":22")
          .pomeriumUrl(gateway.url())
          .addCaCertificatesPem(gateway.caCertificatePem())
          .tokenStore(TokenStore.inMemory())
          .browserLauncher(browser)
          .interactive(true)
          .console(null, out)
          .eventListener(printer)
          .homeDirectory(home.toFile())
          .sshDirectory(sshDirectory.toFile())
          .build()) {
        out.println("git clone " + uri);
        try (Git git = Git.cloneRepository().setURI(uri).setDirectory(work.resolve("clone").toFile())
            .setTransportConfigCallback(pomerium).call()) {
          check(out, seeded.equals(git.getRepository().resolve("HEAD")), "clone has the server's commit");
          Files.writeString(work.resolve("clone/hello.txt"), "pushed through Pomerium\n");
          git.add().addFilepattern("hello.txt").call();
          RevCommit commit = git.commit().setMessage("Hello through Pomerium").setSign(false).call();
          out.println("git push origin main (" + commit.getId().abbreviate(7).name() + ")");
          git.push().setRefSpecs(new RefSpec("main:main")).setTransportConfigCallback(pomerium).call();
          check(out, commit.getId().equals(origin.resolve("refs/heads/main")), "the server has the pushed commit");

          ObjectId upstream = TestRepositories.commitFiles(origin, 1, 1024, 2);
          out.println("git fetch (the server moved on to " + upstream.abbreviate(7).name() + ")");
          git.fetch().setTransportConfigCallback(pomerium).call();
          check(out, upstream.equals(git.getRepository().resolve("refs/remotes/origin/main")), "fetch got it");
        }
      }
      out.println("Pomerium saw " + gateway.requestCount() + " CONNECT requests and " + gateway.signInCount()
          + " sign-in: the first CONNECT was answered with the sign-in, and clone, push and fetch shared the one SSH "
          + "connection the second opened.");
      out.println("Demo OK: clone, push and fetch went through the Pomerium tunnel.");
    }
  }

  private static void check(PrintStream out, boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("demo check failed: " + what);
    }
    out.println("  ok: " + what);
  }

  private static void deleteRecursively(Path root) throws java.io.IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
