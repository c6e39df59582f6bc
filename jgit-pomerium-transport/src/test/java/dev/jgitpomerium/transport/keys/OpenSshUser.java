package dev.jgitpomerium.transport.keys;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import dev.jgitpomerium.testkit.PlainJGit;
import dev.jgitpomerium.testkit.SshKeys;
import dev.jgitpomerium.testkit.UserHome;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The shared set-up of the key tests: Debian's sshd behind a Pomerium gateway as {@code git.corp.example.com:22}, a
 * user's home with an empty {@code ~/.ssh}, and the three clients measured on it: a plain JGit program with this
 * library (found by ServiceLoader, configured by the environment), stock JGit, and OpenSSH with git.
 */
final class OpenSshUser implements AutoCloseable {
  static final String HOST = "git.corp.example.com";
  static final String REPOSITORY = "project.git";

  final OpenSshBehindPomerium environment;
  final OpenSshServer server;
  final ChildProcesses processes;
  final UserHome user;
  final SshKeys keys;
  private final Path work;

  private OpenSshUser(Path work, OpenSshBehindPomerium environment, String token) throws Exception {
    this.work = work;
    this.environment = environment;
    this.server = environment.server();
    this.processes = environment.processes();
    this.user = new UserHome(work.resolve("user"));
    this.keys = new SshKeys(processes);
    environment.startGateway(token, HOST + ":22");
  }

  static OpenSshUser start(Path work) throws Exception {
    return start(work, List.of());
  }

  static OpenSshUser start(Path work, List<String> sshdConfigLines) throws Exception {
    String token = "openssh-test-token-" + UUID.randomUUID();
    return new OpenSshUser(work, OpenSshBehindPomerium.start(work, REPOSITORY, token, sshdConfigLines), token);
  }

  /** The git URL users write, for the host behind Pomerium. */
  String uri() {
    return "ssh://" + OpenSshServer.USER + "@" + HOST + server.repoPath(REPOSITORY);
  }

  /** The same repository reached directly (stock JGit and OpenSSH have no Pomerium). */
  String directUri() {
    return "ssh://" + OpenSshServer.USER + "@127.0.0.1:" + server.port() + server.repoPath(REPOSITORY);
  }

  /** known_hosts name of the direct address. */
  String directHostName() {
    return "[127.0.0.1]:" + server.port();
  }

  /** The environment a plain JGit program with this library is configured by (README: no code changes). */
  Map<String, String> pomeriumEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("JGIT_POMERIUM_ROUTES", HOST + ":22");
    env.put("JGIT_POMERIUM_URL", environment.gatewayUrl());
    env.put("JGIT_POMERIUM_CA_FILE", environment.caFile().toString());
    env.put("JGIT_POMERIUM_TOKEN_FILE", environment.tokenFile().toString());
    return env;
  }

  /** A plain JGit program with this library on its class path, through Pomerium, with {@code extra} environment. */
  ChildProcesses.Result libraryLsRemote(Map<String, String> extra) throws Exception {
    Map<String, String> env = pomeriumEnvironment();
    env.putAll(extra);
    return PlainJGit.lsRemote(processes, PlainJGit.projectClassPath(), user.home(), env, Map.of(), uri());
  }

  /** Stock JGit 7.8.1 (only its own jars), directly to the server. */
  ChildProcesses.Result stockLsRemote(Map<String, String> extra) throws Exception {
    return PlainJGit.lsRemote(processes, PlainJGit.stockClassPath(work), user.home(), extra, Map.of(), directUri());
  }

  /**
   * OpenSSH, through {@code git ls-remote} directly to the server, given the user's {@code ~/.ssh}. ssh takes its home
   * from the password database, not HOME, so the user's files are named to it: ~/.ssh/config (or none), known_hosts
   * and, as default identities, the {@code id_*} keys present (any {@code -cert.pub} beside them is then read as
   * OpenSSH reads it).
   */
  ChildProcesses.Result openSshLsRemote(Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(extra);
    env.put("HOME", user.home().toString());
    env.put("GIT_SSH_COMMAND", ChildProcesses.shellCommand(openSsh()));
    return processes.run(user.home(), env, List.of("git", "ls-remote", directUri()));
  }

  /** The ssh command line of {@link #openSshLsRemote}. */
  List<String> openSsh() {
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
  String mainRefLine() throws Exception {
    return server.revParse(REPOSITORY, "main") + "\trefs/heads/main";
  }

  @Override
  public void close() throws Exception {
    environment.close();
  }
}
