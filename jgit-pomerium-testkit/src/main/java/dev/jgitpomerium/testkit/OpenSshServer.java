package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jgitpomerium.testkit.internal.Daemons;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real OpenSSH server for tests: Debian's {@code /usr/sbin/sshd}, in the foreground, on 127.0.0.1 and a free port,
 * with its own configuration, host key and client key in a temporary directory, serving bare git repositories as the
 * system user {@code pomerium-git} (whose login shell is git-shell), as a git host behind Pomerium would.
 *
 * <p>It needs root (only root's sshd can log a client in as another user), openssh-server, openssh-client, git and
 * that user; {@code ./test.sh} installs and creates them. Without them a test fails saying so: it is never skipped.
 *
 * <p>Nothing system-wide is touched: the server reads only its own sshd_config, writes its pid file and log to its
 * directory, and {@link #close()} stops it and deletes that directory.
 */
public final class OpenSshServer implements AutoCloseable {
  public static final String USER = "pomerium-git";
  private static final Path SSHD = Path.of("/usr/sbin/sshd");
  private static final Path GIT_SHELL = Path.of("/usr/bin/git-shell");
  private static final Path PRIVILEGE_SEPARATION_DIRECTORY = Path.of("/run/sshd");
  private static final String INSTALL_HINT = "run ./test.sh (as root), which installs openssh-server, "
      + "openssh-client and git, creates the system user " + USER + " with the login shell /usr/bin/git-shell, "
      + "and creates /run/sshd";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  private static final int BIND_ATTEMPTS = 5;
  private static final List<String> HOST_KEY_TYPES = List.of("rsa", "ecdsa", "ed25519");

  private final Path directory;
  private final ChildProcesses processes;
  private final Path clientKey;
  private final Path log;
  private final Map<String, Path> repositories = new LinkedHashMap<>();
  private final List<String> extraConfig;
  private Process sshd;
  private int port;
  /** Principals of the host certificates sshd presents, or null for none. */
  private List<String> certificatePrincipals;

  private OpenSshServer(Path directory, List<String> extraConfig) throws IOException {
    this.directory = directory;
    this.extraConfig = List.copyOf(extraConfig);
    this.processes = new ChildProcesses(directory.resolve("process-output"), directory.resolve("home"));
    this.clientKey = directory.resolve("client/id_ed25519");
    this.log = directory.resolve("sshd.log");
  }

  /**
   * Starts sshd with a bare repository, on branch main with one seeded commit, for each of {@code repositoryNames}
   * (e.g. {@code "project.git"}).
   */
  public static OpenSshServer start(String... repositoryNames) throws IOException, InterruptedException {
    return start(List.of(), null, repositoryNames);
  }

  /**
   * Like {@link #start(String...)}, with {@code sshdConfigLines} appended to sshd_config (e.g. {@code
   * "TrustedUserCAKeys /path/ca.pub"}); files they name must be readable by root.
   */
  public static OpenSshServer start(List<String> sshdConfigLines, String... repositoryNames)
      throws IOException, InterruptedException {
    return start(sshdConfigLines, null, repositoryNames);
  }

  /**
   * Like {@link #start(String...)}, and sshd also presents OpenSSH host certificates ({@code HostCertificate}) for its
   * host keys, signed by a CA made with ssh-keygen for {@code principals} (host names); see {@link
   * #certificateAuthorityLine}.
   */
  public static OpenSshServer startWithHostCertificates(List<String> principals, String... repositoryNames)
      throws IOException, InterruptedException {
    return start(List.of(), List.copyOf(principals), repositoryNames);
  }

  private static OpenSshServer start(List<String> sshdConfigLines, List<String> certificatePrincipals,
      String... repositoryNames)
      throws IOException, InterruptedException {
    requireInstalled();
    Path directory = Files.createTempDirectory("jgit-pomerium-openssh-");
    // pomerium-git must reach its repositories and authorized_keys below this directory (sshd reads
    // authorized_keys as the user); it may not list it.
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx--x--x"));
    OpenSshServer server = new OpenSshServer(directory, sshdConfigLines);
    server.certificatePrincipals = certificatePrincipals;
    return Daemons.startedOrClosed(server, started -> {
      started.createKeys();
      if (certificatePrincipals != null) {
        started.certifyHostKeys();
      }
      for (String name : repositoryNames) {
        started.createRepository(name);
      }
      started.startSshd();
    });
  }

  /** The port sshd listens on, at 127.0.0.1. */
  public int port() {
    return port;
  }

  /** sshd's address, for a Pomerium route's upstream. */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /**
   * The client's private key, as {@code ssh-keygen -t ed25519} makes it by default (no passphrase), authorized for
   * {@link #USER}; its public half is beside it ({@code .pub}).
   */
  public Path clientKey() {
    return clientKey;
  }

  /**
   * A known_hosts line for this server's Ed25519 host key under {@code hostName} (e.g. {@code git.corp.example.com}, or
   * {@code [host]:port}): what OpenSSH records by default, since it prefers Ed25519 among the server's host keys.
   */
  public String knownHostsLine(String hostName) throws IOException {
    return knownHostsLine(hostName, "ed25519");
  }

  /** A known_hosts line for this server's host key of {@code type} ({@code rsa}, {@code ecdsa} or {@code ed25519}). */
  public String knownHostsLine(String hostName, String type) throws IOException {
    if (!HOST_KEY_TYPES.contains(type)) {
      throw new IllegalArgumentException("no " + type + " host key; the server has " + HOST_KEY_TYPES);
    }
    String[] fields = Files.readString(directory.resolve("ssh_host_" + type + "_key.pub"), US_ASCII).strip()
        .split("\\s+");
    return hostName + " " + fields[0] + " " + fields[1];
  }

  /** The public half of the host key of {@code type} ({@code rsa}, {@code ecdsa}, {@code ed25519}). */
  public Path hostPublicKey(String type) {
    return directory.resolve("ssh_host_" + type + "_key.pub");
  }

  /**
   * A known_hosts line that trusts the CA of this server's host certificates for {@code hostPattern}: {@code
   * @cert-authority <pattern> ssh-ed25519 ...}. Only for a server started with {@link #startWithHostCertificates}.
   */
  public String certificateAuthorityLine(String hostPattern) throws IOException {
    String[] fields = Files.readString(directory.resolve("host_ca.pub"), US_ASCII).strip().split("\\s+");
    return "@cert-authority " + hostPattern + " " + fields[0] + " " + fields[1];
  }

  /**
   * A new client key made by {@code ssh-keygen -t ed25519} with {@code passphrase} (empty for none), authorized for
   * {@link #USER}; its public half is beside it.
   */
  public Path newClientKey(String name, String passphrase) throws IOException, InterruptedException {
    Path key = clientKey.resolveSibling(name);
    processes.check(directory, List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", name,
        "-f", key.toString()));
    authorize(Path.of(key + ".pub"));
    return key;
  }

  /** Signs every host key with a new CA ({@code ssh-keygen -s ca -h -n principals}), for sshd's HostCertificate. */
  private void certifyHostKeys() throws IOException, InterruptedException {
    Path ca = directory.resolve("host_ca");
    processes.check(directory, List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "openssh-test-host-ca",
        "-f", ca.toString()));
    for (String type : HOST_KEY_TYPES) {
      processes.check(directory, List.of("ssh-keygen", "-q", "-s", ca.toString(), "-I", "openssh-test-host", "-h",
          "-n", String.join(",", certificatePrincipals), hostPublicKey(type).toString()));
    }
  }

  /** known_hosts lines for every host key of this server under {@code hostName}, as ssh-keyscan prints them. */
  public String knownHostsLines(String hostName) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (String type : HOST_KEY_TYPES) {
      lines.append(knownHostsLine(hostName, type)).append('\n');
    }
    return lines.toString();
  }

  /** The absolute path of a bare repository created at start, as a git URL on this server names it. */
  public Path repoPath(String name) {
    Path path = repositories.get(name);
    if (path == null) {
      throw new IllegalArgumentException("no repository " + name + " on this server; it has " + repositories.keySet());
    }
    return path;
  }

  /** {@code git show <object>} in the server's repository, run by the real git. */
  public String show(String repository, String object) throws IOException, InterruptedException {
    return processes.check(null, List.of("git", "--git-dir=" + repoPath(repository), "show", object));
  }

  /** {@code git --git-dir=<bare repository> rev-parse <revision>}, e.g. of "main". */
  public String revParse(String repository, String revision) throws IOException, InterruptedException {
    return processes.check(null, List.of("git", "--git-dir=" + repoPath(repository), "rev-parse", revision)).strip();
  }

  /** What sshd logged so far (LogLevel VERBOSE), for assertion messages. */
  public String log() {
    try {
      return Files.isRegularFile(log) ? Files.readString(log, UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails the test, saying what to do, if this machine cannot run the server. */
  private static void requireInstalled() throws IOException {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(SSHD)) {
      missing.add(SSHD + " (openssh-server)");
    }
    for (String program : List.of("ssh", "ssh-keygen", "git")) {
      if (onPath(program) == null) {
        missing.add(program + " on the PATH (" + (program.equals("git") ? "git" : "openssh-client") + ")");
      }
    }
    if (!Files.isExecutable(GIT_SHELL)) {
      missing.add(GIT_SHELL + " (git)");
    }
    String passwd = Files.readAllLines(Path.of("/etc/passwd"), UTF_8).stream()
        .filter(line -> line.startsWith(USER + ":")).findFirst().orElse(null);
    if (passwd == null) {
      missing.add("the user " + USER);
    }
    if (!Files.isDirectory(PRIVILEGE_SEPARATION_DIRECTORY)) {
      missing.add(PRIVILEGE_SEPARATION_DIRECTORY + " (sshd's privilege separation directory)");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "The real-OpenSSH tests need " + String.join(", ", missing) + ": " + INSTALL_HINT + ".");
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new IllegalStateException("The real-OpenSSH tests start sshd, which must run as root to log a client in as "
          + USER + "; they run "
          + "as " + System.getProperty("user.name") + ". Run them as root, as CI runs ./test.sh.");
    }
    Path shadow = Path.of("/etc/shadow");
    if (Files.isReadable(shadow)) {
      String entry = Files.readAllLines(shadow, UTF_8).stream()
          .filter(line -> line.startsWith(USER + ":")).findFirst().orElse("");
      String[] fields = entry.split(":", -1);
      if (fields.length > 1 && fields[1].startsWith("!")) {
        throw new IllegalStateException("The user " + USER + " is locked (its password field starts with '!'), and "
            + "sshd without PAM refuses "
            + "locked accounts even for key logins: " + INSTALL_HINT + " (it sets the password field to '*').");
      }
    }
  }

  private static Path onPath(String program) {
    String path = System.getenv("PATH");
    for (String entry : (path == null ? "/usr/bin:/bin" : path).split(":")) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) {
        return Path.of(entry, program);
      }
    }
    return null;
  }

  /**
   * Host keys of every type, as Debian's openssh-server makes them at installation ({@code ssh-keygen -A}), and a
   * client key as {@code ssh-keygen -t ed25519} makes it.
   */
  private void createKeys() throws IOException, InterruptedException {
    for (String type : HOST_KEY_TYPES) {
      processes.check(directory, List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "openssh-test-host",
          "-f", directory.resolve("ssh_host_" + type + "_key").toString()));
    }
    Files.createDirectories(clientKey.getParent());
    processes.check(directory, List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "openssh-test-client",
        "-f", clientKey.toString()));
    Path authorizedKeys = Files.createDirectories(directory.resolve("authorized_keys"));
    Path file = authorizedKeys.resolve(USER);
    Files.copy(Path.of(clientKey + ".pub"), file);
    Files.setPosixFilePermissions(authorizedKeys, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  /** Lets the key whose public half is {@code publicKey} (an OpenSSH {@code .pub} file) log in too. */
  public void authorize(Path publicKey) throws IOException {
    Files.writeString(directory.resolve("authorized_keys").resolve(USER), Files.readString(publicKey, US_ASCII).strip()
        + "\n", US_ASCII, java.nio.file.StandardOpenOption.APPEND);
  }

  /** A bare repository owned by pomerium-git, on branch main, with one commit pushed from a scratch clone. */
  private void createRepository(String name) throws IOException, InterruptedException {
    Path repos = Files.createDirectories(directory.resolve("repos"));
    Path bare = repos.resolve(name);
    processes.check(repos, List.of("git", "init", "-q", "--bare", "--initial-branch=main", bare.toString()));
    Path scratch = directory.resolve("seed-" + name);
    processes.check(directory, List.of("git", "init", "-q", "--initial-branch=main", scratch.toString()));
    Files.writeString(scratch.resolve("README.md"), "# " + name + "\n\nSeeded by OpenSshServer.\n", UTF_8);
    processes.check(scratch, List.of("git", "add", "README.md"));
    processes.check(scratch, List.of("git", "commit", "-q", "-m", "Seed " + name));
    processes.check(scratch, List.of("git", "push", "-q", bare.toString(), "HEAD:main"));
    processes.check(repos, List.of("chown", "-R", USER + ":", repos.toString()));
    Files.setPosixFilePermissions(repos, PosixFilePermissions.fromString("rwxr-xr-x"));
    repositories.put(name, bare);
  }

  private Path writeConfig() throws IOException {
    Path config = directory.resolve("sshd_config");
    String text = String.join("\n",
        "# sshd for jgit-pomerium's OpenSSH tests; its port is given with -p",
        "ListenAddress 127.0.0.1",
        HOST_KEY_TYPES.stream().map(t -> "HostKey " + directory.resolve("ssh_host_" + t + "_key"))
            .collect(java.util.stream.Collectors.joining("\n")),
        certificatePrincipals == null ? "# no host certificates" : HOST_KEY_TYPES.stream()
            .map(t -> "HostCertificate " + directory.resolve("ssh_host_" + t + "_key-cert.pub"))
            .collect(java.util.stream.Collectors.joining("\n")),
        "AuthorizedKeysFile " + directory.resolve("authorized_keys") + "/%u",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "UsePAM no",
        "AllowUsers " + USER,
        "PermitRootLogin no",
        "PidFile " + directory.resolve("sshd.pid"),
        "LogLevel VERBOSE",
        String.join("\n", extraConfig),
        "");
    Files.writeString(config, text, UTF_8);
    return config;
  }

  /** Starts sshd on a free port, trying another port if another process took it meanwhile. */
  private void startSshd() throws IOException, InterruptedException {
    Path config = writeConfig();
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int candidate = freePort();
      ProcessBuilder builder = processes.builder(directory, Map.of(),
              List.of(SSHD.toString(), "-D", "-e", "-f", config.toString(), "-p", Integer.toString(candidate)))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process process = processes.start(builder);
      if (awaitBanner(process, candidate) && log().contains("Server listening on 127.0.0.1 port " + candidate + ".")) {
        sshd = process;
        port = candidate;
        return;
      }
      ChildProcesses.kill(process);
    }
    throw new IllegalStateException(
        "sshd did not start on 127.0.0.1 in " + BIND_ATTEMPTS + " attempts; its log:\n" + log());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * Waits, at most 10 s, until {@code port} answers with an SSH banner while {@code process} runs (the caller then
   * checks sshd's log, so that another server that took the port does not count).
   */
  private static boolean awaitBanner(Process process, int port) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        return false;
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
        socket.setSoTimeout(2_000);
        String banner = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII)).readLine();
        if (banner != null && banner.startsWith("SSH-2.0-") && process.isAlive()) {
          return true;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    return false;
  }

  /** Stops sshd and its per-connection processes, and deletes the directory with keys, repositories and log. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (sshd != null && sshd.isAlive()) {
        List<ProcessHandle> children = sshd.descendants().toList();
        sshd.destroy();
        if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
          sshd.destroyForcibly();
          sshd.waitFor(10, TimeUnit.SECONDS);
        }
        children.forEach(ProcessHandle::destroyForcibly);
      }
      processes.close();
    } finally {
      try (Stream<Path> paths = Files.walk(directory)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }
}
