package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jgitpomerium.testkit.GitBehindPomerium;
import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.util.FS;

/**
 * The command line's end-to-end fixture: the testkit's {@link GitBehindPomerium} scene (an SSH git server that plays
 * {@code git.corp.example.com:22} with {@link #REPOSITORY}, a Pomerium gateway that routes that name to it and wants
 * {@link #TOKEN}, and a home directory whose {@code .ssh} holds the user's key and a known_hosts line for the real host
 * name only), plus what the command line's tests add.
 *
 * <p>While it is open, {@code user.home} (which the CLI reads for ~/.ssh/config) and JGit's {@code FS.DETECTED}
 * home point at that home, and {@code jgit.pomerium.tokenCache} at a fresh directory, so no test touches the real
 * ~/.ssh or ~/.cache; {@link #close()} puts every property it changed back. {@link #run} runs one command line in
 * this JVM through {@link Main#run}, with standard output and standard error captured apart.
 */
final class CliTestbed implements AutoCloseable {
  static final String HOST = GitBehindPomerium.HOST;
  /** Matches test.sh's token pattern on purpose: if the CLI ever leaks it into a test's output, test.sh says so. */
  static final String TOKEN = GitBehindPomerium.TOKEN;
  static final String REPOSITORY = GitBehindPomerium.REPOSITORY;
  static final String URI = GitBehindPomerium.URI;

  final GitBehindPomerium scene;
  final Path root;
  final GitSshServer ssh;
  final PomeriumGateway gateway;
  final Repository origin;
  final ObjectId initialHead;
  final Path home;
  final Path sshDirectory;
  /** The gateway's CA certificate, for {@code --alternate-ca-path}. */
  final Path caFile;
  /** A file holding {@link #TOKEN}, for {@code --service-account-file}. */
  final Path tokenFile;
  /** Where {@code jgit.pomerium.tokenCache} points while the testbed is open. */
  final Path tokenCache;

  private final Map<String, String> savedProperties = new LinkedHashMap<>();
  private final File savedFsHome;
  private String out = "";
  private String err = "";

  private CliTestbed(GitBehindPomerium scene) {
    this.scene = scene;
    this.root = scene.root();
    this.ssh = scene.ssh();
    this.gateway = scene.gateway();
    this.origin = scene.origin();
    this.initialHead = scene.initialHead();
    this.home = scene.home();
    this.sshDirectory = scene.sshDirectory();
    this.caFile = scene.caFile();
    this.tokenFile = scene.tokenFile();
    this.tokenCache = scene.tokenCache();

    this.savedFsHome = FS.DETECTED.userHome();
    FS.DETECTED.setUserHome(home.toFile());
    setProperty("user.home", home.toString());
    setProperty("jgit.pomerium.tokenCache", tokenCache.toString());
  }

  /** Starts the SSH server (with three commits on main) and the gateway, and points the home directory here. */
  static CliTestbed start(Path root) throws IOException {
    return new CliTestbed(GitBehindPomerium.start(root));
  }

  /** As {@link #start(Path)}, with extra gateway options (a gateway that requires client certificates). */
  static CliTestbed start(Path root, java.util.function.Consumer<PomeriumGateway.Builder> gatewayOptions)
      throws IOException {
    return new CliTestbed(GitBehindPomerium.start(root, gatewayOptions));
  }

  /** Replaces ~/.ssh/known_hosts with one line for the real host name (port 22, so no brackets). */
  void writeKnownHosts(String hostKey) throws IOException {
    scene.writeKnownHosts(hostKey);
  }

  /** Writes ~/.ssh/config. */
  Path writeSshConfig(String content) throws IOException {
    return scene.writeSshConfig(content);
  }

  /** A ProxyCommand line as pomerium-cli's documentation has it, with this gateway's URL, CA and token file. */
  String proxyCommand() {
    return "ProxyCommand pomerium-cli tcp --listen - --pomerium-url " + gateway.url() + " --alternate-ca-path "
        + caFile + " --service-account-file " + tokenFile + " %h:%p";
  }

  /** The flags that send a command through this gateway with the accepted token. */
  List<String> pomeriumFlags() {
    return List.of("--pomerium-url", gateway.url(), "--alternate-ca-path", caFile.toString(), "--service-account",
        TOKEN);
  }

  /** {@code words} followed by {@link #pomeriumFlags()}. */
  String[] withPomeriumFlags(String... words) {
    List<String> args = new ArrayList<>(Arrays.asList(words));
    args.addAll(pomeriumFlags());
    return args.toArray(new String[0]);
  }

  /** Sets a system property until {@link #close()}, which restores the value it had before the first change. */
  void setProperty(String name, String value) {
    if (!savedProperties.containsKey(name)) {
      savedProperties.put(name, System.getProperty(name));
    }
    System.setProperty(name, value);
  }

  /** Runs one command line in this JVM; standard input is empty. */
  int run(String... args) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int status = Main.run(args, InputStream.nullInputStream(), stdout, stderr);
    out = stdout.toString(StandardCharsets.UTF_8);
    err = stderr.toString(StandardCharsets.UTF_8);
    return status;
  }

  /** Standard output of the last {@link #run}. */
  String out() {
    return out;
  }

  /** Standard error of the last {@link #run}. */
  String err() {
    return err;
  }

  /**
   * The one {@code jgit-pomerium: } line of the last run's standard error, which must have no stack trace; fails
   * unless there is exactly one.
   */
  String errorLine() {
    List<String> errors = err.lines().filter(l -> l.startsWith("jgit-pomerium: ")).toList();
    assertEquals(1, errors.size(), err);
    assertFalse(err.contains("\tat "), err);
    return errors.get(0);
  }

  /** A path under the testbed's root (for clone destinations). */
  Path path(String name) {
    return scene.path(name);
  }

  @Override
  public void close() {
    try {
      scene.close();
    } finally {
      FS.DETECTED.setUserHome(savedFsHome);
      savedProperties.forEach((name, value) -> {
        if (value == null) {
          System.clearProperty(name);
        } else {
          System.setProperty(name, value);
        }
      });
    }
  }
}
