package dev.jgitpomerium.testkit;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The shared set-up of the tests of users' SSH keys: Debian's sshd behind a Pomerium gateway as
 * {@code git.corp.example.com:22}, a
 * user's home with an empty {@code ~/.ssh}, and the three clients measured on it: a plain JGit program with this
 * library (found by ServiceLoader, configured by the environment), stock JGit, and OpenSSH with git.
 */
public final class OpenSshUser implements AutoCloseable {
  public static final String HOST = "git.corp.example.com";
  public static final String REPOSITORY = "project.git";
  /** The ID of the certificates {@link #certify} signs. */
  public static final String CERTIFICATE_ID = "alice@corp.example.com";

  public final OpenSshBehindPomerium environment;
  public final OpenSshServer server;
  public final ChildProcesses processes;
  public final UserHome user;
  public final SshKeys keys;
  /** The test's scratch directory. */
  public final Path work;
  private Path userCa;

  private OpenSshUser(Path work, OpenSshBehindPomerium environment, String token) throws Exception {
    this.work = work;
    this.environment = environment;
    this.server = environment.server();
    this.processes = environment.processes();
    this.user = new UserHome(work.resolve("user"));
    this.keys = new SshKeys(processes);
    environment.startGateway(token, HOST + ":22");
  }

  public static OpenSshUser start(Path work) throws Exception {
    return start(work, List.of());
  }

  public static OpenSshUser start(Path work, List<String> sshdConfigLines) throws Exception {
    String token = "openssh-test-token-" + UUID.randomUUID();
    return new OpenSshUser(work, OpenSshBehindPomerium.start(work, REPOSITORY, token, sshdConfigLines), token);
  }

  /**
   * Like {@link #start(Path)}, with a user CA made by ssh-keygen before sshd starts, which trusts it ({@code
   * TrustedUserCAKeys}); {@link #certify} signs with it.
   */
  public static OpenSshUser startTrustingUserCa(Path work) throws Exception {
    Path caDirectory = java.nio.file.Files.createDirectories(work.resolve("ca"));
    Path ca;
    try (ChildProcesses keygen = new ChildProcesses(work.resolve("ca-output"), work.resolve("ca-home"))) {
      ca = new SshKeys(keygen).generate(caDirectory.resolve("user_ca"));
    }
    OpenSshUser user = start(work, List.of("TrustedUserCAKeys " + ca + ".pub"));
    user.userCa = ca;
    return user;
  }

  /**
   * Signs {@code key.pub} with the user CA as ssh-keygen does ({@code -I alice@corp.example.com -n pomerium-git -V
   * validity}); returns {@code key-cert.pub}.
   */
  public Path certify(Path key, String validity) throws Exception {
    if (userCa == null) {
      throw new IllegalStateException("no user CA: start with startTrustingUserCa");
    }
    return keys.certify(userCa, key, CERTIFICATE_ID, OpenSshServer.USER, validity);
  }

  /** The git URL users write, for the host behind Pomerium. */
  public String uri() {
    return "ssh://" + OpenSshServer.USER + "@" + HOST + server.repoPath(REPOSITORY);
  }

  /** The same repository reached directly (stock JGit and OpenSSH have no Pomerium). */
  public String directUri() {
    return "ssh://" + OpenSshServer.USER + "@127.0.0.1:" + server.port() + server.repoPath(REPOSITORY);
  }

  /** known_hosts name of the direct address. */
  public String directHostName() {
    return "[127.0.0.1]:" + server.port();
  }

  /** The environment a plain JGit program with this library is configured by (README: no code changes). */
  public Map<String, String> pomeriumEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("JGIT_POMERIUM_ROUTES", HOST + ":22");
    env.put("JGIT_POMERIUM_URL", environment.gatewayUrl());
    env.put("JGIT_POMERIUM_CA_FILE", environment.caFile().toString());
    env.put("JGIT_POMERIUM_TOKEN_FILE", environment.tokenFile().toString());
    return env;
  }

  /** A plain JGit program with this library on its class path, through Pomerium, with {@code extra} environment. */
  public ChildProcesses.Result libraryLsRemote(Map<String, String> extra) throws Exception {
    Map<String, String> env = pomeriumEnvironment();
    env.putAll(extra);
    return PlainJGit.lsRemote(processes, PlainJGit.projectClassPath(), user.home(), env, Map.of(), uri());
  }

  /** Stock JGit 7.8.1 (only its own jars), directly to the server. */
  public ChildProcesses.Result stockLsRemote(Map<String, String> extra) throws Exception {
    return PlainJGit.lsRemote(processes, PlainJGit.stockClassPath(work), user.home(), extra, Map.of(), directUri());
  }

  /**
   * OpenSSH, through {@code git ls-remote} directly to the server, given the user's {@code ~/.ssh}. ssh takes its home
   * from the password database, not HOME, so the user's files are named to it: ~/.ssh/config (or none), known_hosts
   * and, as default identities, the {@code id_*} keys present (any {@code -cert.pub} beside them is then read as
   * OpenSSH reads it).
   */
  public ChildProcesses.Result openSshLsRemote(Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(extra);
    env.put("HOME", user.home().toString());
    env.put("GIT_SSH_COMMAND", ChildProcesses.shellCommand(openSsh()));
    return processes.run(user.home(), env, List.of("git", "ls-remote", directUri()));
  }

  /** The ssh command line of {@link #openSshLsRemote}. */
  public List<String> openSsh() {
    Path config = user.ssh("config");
    List<String> ssh = new java.util.ArrayList<>(List.of("ssh", "-F",
        java.nio.file.Files.exists(config) ? config.toString() : "/dev/null",
        "-o", "UserKnownHostsFile=" + user.ssh("known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes"));
    for (String name : List.of("id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk")) {
      if (java.nio.file.Files.exists(user.ssh(name))) {
        ssh.addAll(List.of("-o", "IdentityFile=" + user.ssh(name)));
      }
    }
    return ssh;
  }

  /** The line ls-remote prints for the seeded main branch. */
  public String mainRefLine() throws Exception {
    return server.revParse(REPOSITORY, "main") + "\trefs/heads/main";
  }

  /**
   * The jgit-pomerium command line in a child JVM as the user runs it ({@code java [-jar jar | -cp cp Main] args}),
   * with the user's home, through Pomerium: {@code command} (e.g. {@code ls-remote}) with the gateway's options, then
   * {@code args}.
   *
   * @param launch how the JVM starts the program: {@code List.of("-jar", jar)} or {@code List.of("-cp", cp, main)}
   */
  public ChildProcesses.Result cli(List<String> launch, Map<String, String> extra, String command, String... args)
      throws Exception {
    List<String> line = new java.util.ArrayList<>();
    line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    line.add("-Duser.home=" + user.home());
    line.add("-Dorg.slf4j.simpleLogger.logFile=System.err");
    line.addAll(launch);
    line.addAll(List.of(command, "--pomerium-url", environment.gatewayUrl(), "--alternate-ca-path",
        environment.caFile().toString(), "--service-account-file", environment.tokenFile().toString()));
    line.addAll(List.of(args));
    Map<String, String> env = new HashMap<>(extra);
    env.put("HOME", user.home().toString());
    return processes.run(user.home(), env, line);
  }

  @Override
  public void close() throws Exception {
    environment.close();
  }
}
