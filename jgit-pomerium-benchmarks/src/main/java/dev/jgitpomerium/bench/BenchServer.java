package dev.jgitpomerium.bench;

import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * The far side of the benchmark, run in its own JVM so that the harness measures only the client's
 * cost: an SSH git server serving the generated repository and a Pomerium gateway routing {@value
 * #HOST}:22 to it.
 *
 * <p>It writes what a client needs into the client directory ({@link ClientFiles}), prints one line
 * to standard output, {@code READY sshPort=… gatewayUrl=… head=… commits=… packBytes=…
 * generated=…}, and then answers each {@code STATS} line on standard input with {@code STATS
 * gatewayConnections=… gatewayRequests=… gatewayOpen=… sshOpen=… cpuNanos=…} (the last is this
 * JVM's CPU time, so the harness can tell the server's share of a measure from its own), and
 * {@code NODELAY on|off} by switching TCP_NODELAY for SSH connections accepted from then on
 * ({@link SshNoDelay}). It exits when its standard input ends, so it cannot outlive the harness.
 * The token is written to a 0600 file and printed nowhere.
 *
 * <p>Arguments: {@code --cache DIR --client-dir DIR --commits N --bytes-per-file N --seed N}.
 */
public final class BenchServer {
  /** The SSH host behind the gateway, as the tunnelled client names it. */
  static final String HOST = "git.bench.example";

  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Options.parse(args);
    Path cache = Path.of(Options.required(options, "cache"));
    ClientFiles client = new ClientFiles(Path.of(Options.required(options, "client-dir")));
    RepositorySpec spec =
        new RepositorySpec(
            Integer.parseInt(Options.required(options, "commits")),
            Integer.parseInt(Options.required(options, "bytes-per-file")),
            Long.parseLong(Options.required(options, "seed")));

    // Standard output is the harness's protocol channel: nothing else may write to it.
    PrintStream protocol = System.out;
    System.setOut(System.err);

    long start = System.nanoTime();
    BenchRepository repository = BenchRepository.openOrGenerate(cache, spec);
    if (repository.generated()) {
      System.err.printf(
          Locale.ROOT,
          "bench server: generated %s in %.1f s%n",
          spec.cacheKey(),
          (System.nanoTime() - start) / 1e9);
    }

    String token = randomToken();
    try (GitSshServer ssh = GitSshServer.start(repository.root());
        PomeriumGateway gateway =
            PomeriumGateway.builder()
                .requireToken(token)
                .route(HOST + ":22", ssh.address())
                .start()) {
      writeClientFiles(client, ssh, gateway, token);
      protocol.printf(
          Locale.ROOT,
          "READY sshPort=%d gatewayUrl=%s head=%s commits=%d packBytes=%d generated=%b%n",
          ssh.port(),
          gateway.url(),
          repository.head().name(),
          spec.commits(),
          repository.packBytes(),
          repository.generated());
      protocol.flush();
      serveCommands(protocol, ssh, gateway);
    }
  }

  /** Answers commands until standard input ends. */
  private static void serveCommands(PrintStream protocol, GitSshServer ssh, PomeriumGateway gateway)
      throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.strip().equals("STATS")) {
        protocol.printf(
            Locale.ROOT,
            "STATS gatewayConnections=%d gatewayRequests=%d gatewayOpen=%d sshOpen=%d"
                + " cpuNanos=%d%n",
            gateway.acceptedConnections(),
            gateway.requestCount(),
            gateway.openConnections(),
            ssh.openSessions(),
            Cpu.processNanos());
      } else if (line.strip().startsWith("NODELAY ")) {
        boolean on = line.strip().equals("NODELAY on");
        SshNoDelay.set(on);
        protocol.println("NODELAY " + (on ? "on" : "off"));
      } else {
        protocol.println("ERROR unknown command");
      }
      protocol.flush();
    }
  }

  private static void writeClientFiles(
      ClientFiles client, GitSshServer ssh, PomeriumGateway gateway, String token)
      throws IOException {
    ssh.writeUserIdentity(client.sshDirectory());
    // The tunnelled client checks the key under the real name (port 22, so no brackets), the
    // direct one under the address and port it dials.
    String key = PublicKeyEntry.toString(ssh.hostPublicKey());
    Files.writeString(
        client.knownHosts(),
        HOST + " " + key + "\n" + "[127.0.0.1]:" + ssh.port() + " " + key + "\n",
        StandardCharsets.US_ASCII);
    gateway.writeCaCertificate(client.caCertificate());
    writePrivate(client.token(), token);
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, content, StandardCharsets.US_ASCII);
  }

  private static String randomToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
