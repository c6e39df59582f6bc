package dev.jgitpomerium.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The git command line through the real OpenSSH client, as people and Jenkins run it: straight to the SSH server,
 * and through the gateway with the command line's {@code tcp --listen -} as ssh's ProxyCommand, started in several
 * ways (plain {@code java -jar}, JVM flags, an application class-data archive, the {@code jgit-pomerium} launcher).
 * Every connection starts the ProxyCommand's JVM anew, so this measures that start as much as the tunnel.
 */
final class ProxyCommandMode {
  private static final long GIT_TIMEOUT_SECONDS = 120;

  /**
   * How the ProxyCommand is started: its name in the report, the ssh config Host that uses it, and the Host its
   * OpenSSH-straight baseline uses (null: the server's port with no ssh config of its own).
   */
  record Variant(String name, String host, String directHost) {
    Variant(String name, String host) {
      this(name, host, null);
    }
  }

  private final ClientFiles files;
  private final int sshPort;
  private final String gatewayUrl;
  private final String head;
  private final Path jar;
  private final Path launcher;
  private final Path dir;
  private final Path sshConfig;
  private final Path archive;
  private final List<Variant> variants = new ArrayList<>();
  private final boolean everyVariant;
  /** OpenSSH's ControlPath sockets: short (a socket path has at most 107 bytes), private to this run. */
  private Path controlDir;

  ProxyCommandMode(
      ClientFiles files,
      int sshPort,
      String gatewayUrl,
      String head,
      Path jar,
      Path launcher,
      boolean everyVariant)
      throws IOException {
    this.files = files;
    this.sshPort = sshPort;
    this.gatewayUrl = gatewayUrl;
    this.head = head;
    this.everyVariant = everyVariant;
    this.jar = jar.toAbsolutePath();
    this.launcher = launcher.toAbsolutePath();
    this.dir = files.dir().resolve("proxycommand").toAbsolutePath();
    Files.createDirectories(dir);
    this.sshConfig = dir.resolve("ssh_config");
    this.archive = dir.resolve("appcds.jsa");
    String java = quote(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String jarArg = " -jar " + quote(this.jar.toString());
    StringBuilder config = new StringBuilder();
    config.append("Host *\n")
        .append("  User git\n")
        .append("  BatchMode yes\n")
        .append("  IdentitiesOnly yes\n")
        .append("  IdentityFile \"").append(identity()).append("\"\n")
        .append("  UserKnownHostsFile \"").append(files.knownHosts().toAbsolutePath()).append("\"\n")
        .append("  GlobalKnownHostsFile /dev/null\n")
        .append("  StrictHostKeyChecking yes\n")
        .append("  UpdateHostKeys no\n");
    variant(config, "java -jar jgit-pomerium.jar (as documented before)", "pc-plain", java + jarArg);
    if (everyVariant) {
      variant(config, "java -XX:TieredStopAtLevel=1", "pc-c1", java + " -XX:TieredStopAtLevel=1" + jarArg);
      variant(config, "java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC", "pc-c1-serial",
          java + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC" + jarArg);
      variant(config, "java -XX:SharedArchiveFile (AppCDS alone)", "pc-appcds",
          java + " -Xlog:disable -Xlog:all=warning:stderr -XX:SharedArchiveFile=" + quote(archive.toString())
              + jarArg);
    }
    variant(config, "the jgit-pomerium launcher (AppCDS, C1, serial GC)", "pc-launcher",
        quote(this.launcher.toString()));
    // OpenSSH's own connection sharing: the ProxyCommand's JVM starts once per master connection, which later git
    // commands reuse. Like against like first (OpenSSH straight with a master too), then the README's recipe against
    // OpenSSH straight as people run it, without.
    this.controlDir = Files.createTempDirectory("jgp-bench-cm");
    String master = "  ControlMaster auto\n  ControlPath " + controlDir + "/%C\n  ControlPersist 120\n";
    config.append("Host direct-mux\n  HostName 127.0.0.1\n  Port ").append(sshPort).append('\n').append(master);
    variants.add(new Variant("the launcher with ssh's ControlMaster, against OpenSSH straight with one too",
        "pc-launcher-mux", "direct-mux"));
    variants.add(new Variant("the launcher with ssh's ControlMaster (the README's recipe), against OpenSSH straight",
        "pc-launcher-mux"));
    config.append("Host pc-launcher-mux\n  HostName ").append(BenchServer.HOST).append('\n').append(master)
        .append("  ProxyCommand ").append(quote(this.launcher.toString()).replace("%", "%%")).append(tcpArguments())
        .append(" %h:%p\n");
    Files.writeString(sshConfig, config.toString(), StandardCharsets.UTF_8);
  }

  private void variant(StringBuilder config, String name, String host, String start) {
    variants.add(new Variant(name, host));
    config.append("Host ").append(host).append('\n')
        .append("  HostName ").append(BenchServer.HOST).append('\n')
        // ssh expands %-tokens in the whole line: a literal % in a path is doubled.
        .append("  ProxyCommand ").append(start.replace("%", "%%")).append(tcpArguments()).append(" %h:%p\n");
  }

  private String tcpArguments() {
    return " tcp --listen - --pomerium-url " + quote(gatewayUrl)
        + " --alternate-ca-path " + quote(files.caCertificate().toAbsolutePath().toString())
        + " --service-account-file " + quote(files.token().toAbsolutePath().toString());
  }

  List<Variant> variants() {
    return variants;
  }

  /**
   * What a first run leaves for the later ones, outside the timings: the archive of the AppCDS-alone variant
   * ({@code -XX:ArchiveClassesAtExit} on one tunnel), and the launcher's own (its first run makes it).
   */
  void prepare() throws IOException, InterruptedException {
    if (everyVariant) {
      train();
    }
    List<String> first = new ArrayList<>(List.of(launcher.toString()));
    first.addAll(tcpArgumentList());
    run(first, "the launcher's first run");
    Path cds = cacheHome().resolve("jgit-pomerium/cds");
    boolean recorded;
    try (var files = Files.list(cds)) {
      recorded = files.anyMatch(p -> p.getFileName().toString().endsWith(".jsa"));
    }
    if (!recorded) {
      throw new IOException("the launcher's first run recorded no class-data archive in " + cds);
    }
    // The masters start here, outside the timings, as a developer's first git command of the day would.
    lsRemote("ssh://direct-mux/" + BenchRepository.NAME);
    lsRemote("ssh://pc-launcher-mux/" + BenchRepository.NAME);
  }

  /** Ends the ssh master connections ({@code ssh -O exit}), so that no ssh process outlives the run. */
  void stopMasters() throws IOException, InterruptedException {
    for (String host : List.of("direct-mux", "pc-launcher-mux")) {
      ProcessBuilder builder = new ProcessBuilder("ssh", "-F", sshConfig.toString(), "-O", "exit", host)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD);
      environment(builder.environment());
      Process process = builder.start();
      if (!process.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private void train() throws IOException, InterruptedException {
    List<String> training = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:disable", "-Xlog:all=warning:stderr",
        "-XX:ArchiveClassesAtExit=" + archive, "-jar", jar.toString()));
    training.addAll(tcpArgumentList());
    run(training, "the AppCDS training run");
    if (!Files.isRegularFile(archive)) {
      throw new IOException("the training run made no class-data archive " + archive);
    }
  }

  private List<String> tcpArgumentList() {
    return List.of("tcp", "--listen", "-", "--pomerium-url", gatewayUrl,
        "--alternate-ca-path", files.caCertificate().toAbsolutePath().toString(),
        "--service-account-file", files.token().toAbsolutePath().toString(),
        BenchServer.HOST + ":22");
  }

  /** One tunnel with standard input at its end at once: it opens, maybe passes the banner, and closes. */
  private void run(List<String> command, String what) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(dir.resolve("prepare.err").toFile());
    environment(builder.environment());
    Process process = builder.start();
    if (!process.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(what + " did not end");
    }
    if (process.exitValue() != 0) {
      throw new IOException(what + " failed (" + process.exitValue() + "): "
          + Files.readString(dir.resolve("prepare.err"), StandardCharsets.UTF_8));
    }
  }

  /**
   * {@code git ls-remote} straight to the server, as {@code variant}'s baseline: its port, or its direct Host;
   * fails unless {@code main} is listed at the head.
   */
  void lsRemoteDirect(Variant variant) throws IOException, InterruptedException {
    lsRemote(variant.directHost() == null ? "ssh://git@127.0.0.1:" + sshPort + "/" + BenchRepository.NAME
        : "ssh://" + variant.directHost() + "/" + BenchRepository.NAME);
  }

  /** {@code git ls-remote} through the gateway with the variant's ProxyCommand. */
  void lsRemote(Variant variant) throws IOException, InterruptedException {
    lsRemote("ssh://" + variant.host() + "/" + BenchRepository.NAME);
  }

  private void lsRemote(String url) throws IOException, InterruptedException {
    Path err = dir.resolve("git.err");
    ProcessBuilder builder = new ProcessBuilder("git", "ls-remote", url)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectError(err.toFile());
    environment(builder.environment());
    Process git = builder.start();
    byte[] out = git.getInputStream().readAllBytes();
    if (!git.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      git.destroyForcibly();
      throw new IOException("git ls-remote " + url + " did not end");
    }
    String refs = new String(out, StandardCharsets.UTF_8);
    if (git.exitValue() != 0 || !refs.contains(head + "\trefs/heads/main")) {
      throw new IOException("git ls-remote " + url + " did not list main at " + head + " (exit "
          + git.exitValue() + "): " + Files.readString(err, StandardCharsets.UTF_8));
    }
  }

  /** git and ssh see only the bench's files; the launcher's cache starts empty in each run. */
  private void environment(Map<String, String> env) {
    env.put("GIT_SSH_COMMAND", "ssh -F " + quote(sshConfig.toString()));
    env.put("GIT_SSH_VARIANT", "ssh");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("HOME", files.home().toAbsolutePath().toString());
    env.put("XDG_CACHE_HOME", cacheHome().toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.remove("JGIT_POMERIUM_JAVA_OPTS");
    env.remove("JGIT_POMERIUM_CDS");
    env.remove("JAVA_TOOL_OPTIONS");
  }

  private Path cacheHome() {
    return dir.resolve("cache");
  }

  private Path identity() {
    try (var keys = Files.list(files.sshDirectory())) {
      return keys.filter(p -> p.getFileName().toString().startsWith("id_") && !p.toString().endsWith(".pub"))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no user key in " + files.sshDirectory()))
          .toAbsolutePath();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A word for sh: single-quoted. */
  private static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
