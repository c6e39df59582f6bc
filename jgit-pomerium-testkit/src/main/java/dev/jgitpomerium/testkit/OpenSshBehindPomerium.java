package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Consumer;

/**
 * The shared fixture of the OpenSSH tests: a real sshd with a git repository, a place to run child processes, a
 * service-account token file, and (once {@link #startGateway} is called) a Pomerium gateway routing the destination
 * to that sshd.
 */
public final class OpenSshBehindPomerium implements AutoCloseable {
  private final OpenSshServer server;
  private final ChildProcesses processes;
  private final Path tokenFile;
  private final Path work;
  private PomeriumGateway gateway;
  private Path caFile;

  private OpenSshBehindPomerium(Path work, OpenSshServer server, ChildProcesses processes, Path tokenFile) {
    this.work = work;
    this.server = server;
    this.processes = processes;
    this.tokenFile = tokenFile;
  }

  public static OpenSshBehindPomerium start(Path work, String repository, String token) throws Exception {
    return start(work, repository, token, List.of());
  }

  /**
   * Like {@link #start(Path, String, String)}, with extra sshd_config lines (see
   * {@link OpenSshServer#start(List, String...)}).
   */
  public static OpenSshBehindPomerium start(Path work, String repository, String token, List<String> sshdConfigLines)
      throws Exception {
    OpenSshServer server = OpenSshServer.start(sshdConfigLines, repository);
    ChildProcesses processes = new ChildProcesses(work.resolve("process-output"), work.resolve("home"));
    Path tokenFile = work.resolve("pomerium-token");
    Files.writeString(tokenFile, token + "\n", UTF_8);
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    return new OpenSshBehindPomerium(work, server, processes, tokenFile);
  }

  /** Starts the gateway, wanting {@code requiredToken} and routing {@code destination} to the sshd. */
  public PomeriumGateway startGateway(String requiredToken, String destination) throws IOException {
    return startGateway(requiredToken, destination, builder -> { });
  }

  /** Like {@link #startGateway(String, String)}; {@code options} may add gateway options (e.g. host names). */
  public PomeriumGateway startGateway(String requiredToken, String destination,
      Consumer<PomeriumGateway.Builder> options) throws IOException {
    PomeriumGateway.Builder builder = PomeriumGateway.builder().requireToken(requiredToken)
        .route(destination, server.address());
    options.accept(builder);
    gateway = builder.start();
    caFile = gateway.writeCaCertificate(work.resolve("pomerium-ca.pem"));
    return gateway;
  }

  /** The real sshd, serving the repository. */
  public OpenSshServer server() {
    return server;
  }

  /** Runs child processes (git, ssh, the CLI) with a clean environment; they are killed at close. */
  public ChildProcesses processes() {
    return processes;
  }

  /** A file holding the service-account token (0600). */
  public Path tokenFile() {
    return tokenFile;
  }

  /** The running gateway (after {@link #startGateway}). */
  public PomeriumGateway gateway() {
    return gateway;
  }

  /** The running gateway's URL. */
  public String gatewayUrl() {
    return gateway.url();
  }

  /** The gateway's CA certificate, for {@code --alternate-ca-path}. */
  public Path caFile() {
    return caFile;
  }

  /** Ends the child processes first (they hold tunnels), then the gateway, then sshd. */
  @Override
  public void close() throws Exception {
    try {
      processes.close();
    } finally {
      try {
        if (gateway != null) {
          gateway.close();
        }
      } finally {
        server.close();
      }
    }
  }
}
