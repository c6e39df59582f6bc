package dev.jgitpomerium.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.testkit.UserHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * What a user of the examples has at work, on this machine: an SSH git server ({@link GitSshServer}) that is reached
 * as {@value #HOST} only through Pomerium (a {@link PomeriumGateway} with TLS, requiring a service-account token),
 * and a user home whose {@code ~/.ssh} holds the key the server accepts and the server's host key under its real
 * name. The {@code JGIT_POMERIUM_*} variables of {@link #pomeriumEnvironment()} are what a CI job sets.
 */
final class RoutedGitServer implements AutoCloseable {
  /** The git host's name, as in the examples' URLs; it does not resolve, only Pomerium reaches it. */
  static final String HOST = "git.corp.example.com";

  final GitSshServer server;
  final PomeriumGateway gateway;
  final UserHome home;
  /** A token that appears in no output: the tests check Maven's and the programs' output for it. */
  final String token;
  private final Path tokenFile;
  private final Path caFile;

  private RoutedGitServer(GitSshServer server, PomeriumGateway gateway, UserHome home, String token, Path tokenFile,
      Path caFile) {
    this.server = server;
    this.gateway = gateway;
    this.home = home;
    this.token = token;
    this.tokenFile = tokenFile;
    this.caFile = caFile;
  }

  /** Starts both servers and writes the user home and the CI secrets under {@code scratch}. */
  static RoutedGitServer start(Path scratch) throws IOException {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String token = "service-account-jwt-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    GitSshServer server = GitSshServer.start(scratch.resolve("server"));
    PomeriumGateway gateway = null;
    try {
      gateway = PomeriumGateway.builder().requireToken(token).route(HOST + ":22", server.address()).start();
      Path secrets = Files.createDirectories(scratch.resolve("secrets"));
      Path tokenFile = Files.writeString(secrets.resolve("pomerium-token"), token, UTF_8);
      Path caFile = gateway.writeCaCertificate(secrets.resolve("pomerium-ca.pem"));
      UserHome home = new UserHome(scratch.resolve("home"));
      server.writeUserIdentity(home.ssh());
      // Through Pomerium the key is checked under the real name on port 22, as OpenSSH checks it. The other lines are
      // for the direct way of directSshConfig(), where JGit 5.13 (Maven SCM's) looks the key up under the name
      // 127.0.0.1 resolves back to.
      home.knownHosts(HOST + " " + PublicKeyEntry.toString(server.hostPublicKey()) + "\n"
          + server.hostKeyLine("127.0.0.1") + "\n" + server.hostKeyLine("localhost"));
      return new RoutedGitServer(server, gateway, home, token, tokenFile, caFile);
    } catch (IOException | RuntimeException e) {
      if (gateway != null) {
        gateway.close();
      }
      server.close();
      throw e;
    }
  }

  /** {@code ssh://git@git.corp.example.com/<path>}: the URL a user writes for a repository on the server. */
  static String url(String path) {
    return "ssh://git@" + HOST + "/" + path;
  }

  /** The variables of the README's CI recipe: the route, Pomerium's URL, the token file and the CA file. */
  Map<String, String> pomeriumEnvironment() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("JGIT_POMERIUM_ROUTES", HOST + ":22");
    environment.put("JGIT_POMERIUM_URL", gateway.url());
    environment.put("JGIT_POMERIUM_TOKEN_FILE", tokenFile.toString());
    environment.put("JGIT_POMERIUM_CA_FILE", caFile.toString());
    return environment;
  }

  /**
   * The {@code ~/.ssh/config} lines that reach the same server without Pomerium: {@value #HOST} is then 127.0.0.1 on
   * the server's port (its host key is known under that address too).
   */
  String[] directSshConfig() {
    return new String[] {"Host " + HOST, "  HostName 127.0.0.1", "  Port " + server.port()};
  }

  @Override
  public void close() {
    gateway.close();
    server.close();
  }
}
