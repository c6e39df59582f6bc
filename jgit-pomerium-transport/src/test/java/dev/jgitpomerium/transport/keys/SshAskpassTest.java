package dev.jgitpomerium.transport.keys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshUser;
import dev.jgitpomerium.testkit.PlainJGit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH_ASKPASS in a plain JGit program that finds this library by ServiceLoader and gives its command no
 * CredentialsProvider, without a controlling terminal (as from cron, a daemon or a desktop launcher), through Pomerium
 * to Debian's sshd; OpenSSH, run with the same askpass program and environment, is the yardstick: the same prompts,
 * asked in the same cases, and a failure that says what was missing in this process.
 */
class SshAskpassTest {
  private static final String PASSPHRASE = "correct horse " + UUID.randomUUID();
  private static final String END = "--- end of prompt ---";
  private static final String HOST_KEY_QUESTION =
      "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";

  @TempDir Path work;
  private OpenSshUser fixture;
  private Path key;

  @BeforeEach
  void start() throws Exception {
    fixture = OpenSshUser.start(work);
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  /** ssh-keygen's default key at ~/.ssh/id_ed25519 with a passphrase, and both clients' host names known. */
  private void protectedDefaultKey() throws Exception {
    key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", PASSPHRASE);
    fixture.server.authorize(Path.of(key + ".pub"));
    fixture.user.knownHosts(fixture.server.knownHostsLine(OpenSshUser.HOST) + "\n"
        + fixture.server.knownHostsLine(fixture.directHostName()));
  }

  /**
   * An askpass program that records each prompt in {@code record} and answers the passphrase prompt with the
   * passphrase and the host-key question with {@code yes}; anything else is cancelled (exit 1).
   */
  private Path askpass(Path record) throws Exception {
    Path program = work.resolve("askpass-" + record.getFileName());
    Files.writeString(program, "#!/bin/sh\n"
        + "printf '%s\\n" + END + "\\n' \"$1\" >> " + ChildProcesses.shellQuote(record.toString()) + "\n"
        + "case \"$1\" in\n"
        + "  'Enter passphrase for key '*) printf '%s\\n' " + ChildProcesses.shellQuote(PASSPHRASE) + " ;;\n"
        + "  *'(yes/no/[fingerprint])? ') echo yes ;;\n"
        + "  *) exit 1 ;;\n"
        + "esac\n", UTF_8);
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
    return program;
  }

  /** The prompts the askpass program recorded in {@code record}, in order; none if it never ran. */
  private static List<String> prompts(Path record) throws Exception {
    if (!Files.exists(record)) {
      return List.of();
    }
    List<String> prompts = new ArrayList<>();
    for (String prompt : Files.readString(record, UTF_8).split("\n" + END + "\n", -1)) {
      if (!prompt.isEmpty()) {
        prompts.add(prompt);
      }
    }
    return prompts;
  }

  /** {@code extra} with no display, unless the test sets one: the run's own DISPLAY must not decide. */
  private static Map<String, String> environment(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("DISPLAY", "", "WAYLAND_DISPLAY", ""));
    env.putAll(extra);
    return env;
  }

  private ChildProcesses.Result library(Map<String, String> extra) throws Exception {
    Map<String, String> env = fixture.pomeriumEnvironment();
    env.putAll(environment(extra));
    return PlainJGit.lsRemoteWithoutTerminal(fixture.processes, PlainJGit.projectClassPath(), fixture.user.home(),
        env, Map.of(), fixture.uri());
  }

  /** OpenSSH (git ls-remote), without a terminal, as a user runs it: not in batch mode, so it may ask. */
  private ChildProcesses.Result openSsh(Map<String, String> extra, List<String> sshOptions, String uri)
      throws Exception {
    List<String> fixtureSsh = fixture.openSsh();
    // ssh takes the first value of an option: the test's go first.
    List<String> ssh = new ArrayList<>(List.of(fixtureSsh.get(0)));
    ssh.addAll(sshOptions);
    for (int i = 1; i < fixtureSsh.size(); i++) {
      if (fixtureSsh.get(i).equals("-o") && fixtureSsh.get(i + 1).equals("BatchMode=yes")) {
        i++;
        continue;
      }
      ssh.add(fixtureSsh.get(i));
    }
    Map<String, String> env = environment(extra);
    env.put("HOME", fixture.user.home().toString());
    env.put("GIT_SSH_COMMAND", ChildProcesses.shellCommand(ssh));
    return fixture.processes.run(fixture.user.home(), env, List.of("setsid", "-w", "git", "ls-remote", uri));
  }

  private String passphrasePrompt() {
    return "Enter passphrase for key '" + key + "': ";
  }

  @Test
  void sshAskpassWithRequireForceIsAskedOpenSshsPromptAndThePlainJGitProgramLogsIn() throws Exception {
    protectedDefaultKey();
    Path libraryAsked = work.resolve("library-prompts");
    Path openSshAsked = work.resolve("openssh-prompts");

    ChildProcesses.Result result = library(Map.of("SSH_ASKPASS", askpass(libraryAsked).toString(),
        "SSH_ASKPASS_REQUIRE", "force"));
    ChildProcesses.Result openSsh = openSsh(Map.of("SSH_ASKPASS", askpass(openSshAsked).toString(),
        "SSH_ASKPASS_REQUIRE", "force"), List.of(), fixture.directUri());

    assertEquals(0, openSsh.exitCode(), openSsh::describe);
    assertEquals(List.of(passphrasePrompt()), prompts(openSshAsked));
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertTrue(result.stdout().contains(fixture.mainRefLine()), result::describe);
    assertEquals(prompts(openSshAsked), prompts(libraryAsked));
    assertFalse(result.stderr().contains(PASSPHRASE), "the passphrase was shown: " + result.stderr());
  }

  @Test
  void withADisplayAndNoTerminalSshAskpassIsUsedWithoutRequireAsOpenSshDoes() throws Exception {
    protectedDefaultKey();
    Path libraryAsked = work.resolve("library-prompts");
    Path openSshAsked = work.resolve("openssh-prompts");

    ChildProcesses.Result result = library(Map.of("SSH_ASKPASS", askpass(libraryAsked).toString(),
        "DISPLAY", ":97"));
    ChildProcesses.Result openSsh = openSsh(Map.of("SSH_ASKPASS", askpass(openSshAsked).toString(),
        "DISPLAY", ":97"), List.of(), fixture.directUri());

    assertEquals(0, openSsh.exitCode(), openSsh::describe);
    assertEquals(List.of(passphrasePrompt()), prompts(openSshAsked));
    assertEquals(0, result.exitCode(), result::describe);
    assertEquals(List.of(passphrasePrompt()), prompts(libraryAsked));
  }

  @Test
  void requireNeverKeepsSshAskpassUnusedAndTheFailureSaysSo() throws Exception {
    protectedDefaultKey();
    Path libraryAsked = work.resolve("library-prompts");
    Path openSshAsked = work.resolve("openssh-prompts");

    ChildProcesses.Result result = library(Map.of("SSH_ASKPASS", askpass(libraryAsked).toString(),
        "SSH_ASKPASS_REQUIRE", "never", "DISPLAY", ":97"));
    ChildProcesses.Result openSsh = openSsh(Map.of("SSH_ASKPASS", askpass(openSshAsked).toString(),
        "SSH_ASKPASS_REQUIRE", "never", "DISPLAY", ":97"), List.of(), fixture.directUri());

    assertNotEquals(0, openSsh.exitCode(), openSsh::describe);
    assertEquals(List.of(), prompts(openSshAsked));
    assertNotEquals(0, result.exitCode(), result::describe);
    assertEquals(List.of(), prompts(libraryAsked));
    assertTrue(result.stderr().contains("the private key " + key + " is passphrase-protected, and nothing here can"
        + " ask for its passphrase: the JGit command has no CredentialsProvider, there is no terminal, and"
        + " SSH_ASKPASS_REQUIRE is never."), result::describe);
    assertTrue(result.stderr().contains("ssh-add " + key), result::describe);
  }

  @Test
  void withoutSshAskpassTheFailureSaysItIsNotSet() throws Exception {
    protectedDefaultKey();

    ChildProcesses.Result result = library(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("nothing here can ask for its passphrase: the JGit command has no"
        + " CredentialsProvider, there is no terminal, and SSH_ASKPASS is not set."), result::describe);
    assertTrue(result.stderr().contains("set SSH_ASKPASS to a program that prints the passphrase and"
        + " SSH_ASKPASS_REQUIRE=force"), result::describe);
  }

  @Test
  void sshAskpassWithoutRequireOrDisplayIsNotUsedAndTheFailureSaysWhy() throws Exception {
    protectedDefaultKey();
    Path libraryAsked = work.resolve("library-prompts");
    Path openSshAsked = work.resolve("openssh-prompts");

    ChildProcesses.Result result = library(Map.of("SSH_ASKPASS", askpass(libraryAsked).toString()));
    ChildProcesses.Result openSsh = openSsh(Map.of("SSH_ASKPASS", askpass(openSshAsked).toString()), List.of(),
        fixture.directUri());

    assertNotEquals(0, openSsh.exitCode(), openSsh::describe);
    assertEquals(List.of(), prompts(openSshAsked));
    assertNotEquals(0, result.exitCode(), result::describe);
    assertEquals(List.of(), prompts(libraryAsked));
    assertTrue(result.stderr().contains("the JGit command has no CredentialsProvider, there is no terminal, and"
        + " SSH_ASKPASS is set but SSH_ASKPASS_REQUIRE is not and there is no display (DISPLAY, WAYLAND_DISPLAY)."),
        result::describe);
  }

  @Test
  void anUnknownHostKeyIsAskedThroughSshAskpassWithOpenSshsQuestionAndYesRecordsIt() throws Exception {
    Path plainKey = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(plainKey + ".pub"));
    Path knownHosts = fixture.user.ssh("known_hosts");
    Path openSshKnownHosts = fixture.user.ssh("known_hosts_openssh");
    Path libraryAsked = work.resolve("library-prompts");
    Path openSshAsked = work.resolve("openssh-prompts");
    String fingerprint = fixture.keys.fingerprint(fixture.server.hostPublicKey("ed25519"));

    ChildProcesses.Result result = library(Map.of("SSH_ASKPASS", askpass(libraryAsked).toString(),
        "SSH_ASKPASS_REQUIRE", "force"));
    // OpenSSH reaches the same host name through a ProxyCommand, as the library reaches it through Pomerium.
    ChildProcesses.Result openSsh = openSsh(Map.of("SSH_ASKPASS", askpass(openSshAsked).toString(),
        "SSH_ASKPASS_REQUIRE", "force"), List.of("-o", "UserKnownHostsFile=" + openSshKnownHosts, "-o",
        "ProxyCommand=socat - TCP:127.0.0.1:" + fixture.server.port()), fixture.uri());

    assertEquals(0, openSsh.exitCode(), () -> openSsh.describe() + "\n(socat must be installed: apt-get install"
        + " socat)");
    String question = "The authenticity of host '" + OpenSshUser.HOST + " (<no hostip for proxy command>)' can't be"
        + " established.\nED25519 key fingerprint is " + fingerprint + ".\nThis key is not known by any other names."
        + "\n" + HOST_KEY_QUESTION;
    assertEquals(List.of(question), prompts(openSshAsked));
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertEquals(prompts(openSshAsked), prompts(libraryAsked));
    String recorded = fixture.server.knownHostsLine(OpenSshUser.HOST, "ed25519");
    assertEquals(recorded, Files.readString(knownHosts, UTF_8).strip());
    assertEquals(recorded, Files.readString(openSshKnownHosts, UTF_8).strip());
  }

  @Test
  void anUnknownHostWithNothingToAskSaysWhatWasMissing() throws Exception {
    Path plainKey = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(plainKey + ".pub"));

    ChildProcesses.Result result = library(Map.of("SSH_ASKPASS", "/bin/false"));

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("The authenticity of host '" + OpenSshUser.HOST + "' can't be established: it"
        + " is not in "), result::describe);
    assertTrue(result.stderr().contains("nothing can ask whether to trust it: the JGit command has no"
        + " CredentialsProvider, there is no terminal, and SSH_ASKPASS is set but SSH_ASKPASS_REQUIRE is not and"
        + " there is no display (DISPLAY, WAYLAND_DISPLAY)."), result::describe);
    assertFalse(Files.exists(fixture.user.ssh("known_hosts")), "nothing may be recorded");
  }

  @Test
  void stockJGitNeverRunsSshAskpass() throws Exception {
    protectedDefaultKey();
    Path stockAsked = work.resolve("stock-prompts");
    Map<String, String> env = environment(Map.of("SSH_ASKPASS", askpass(stockAsked).toString(),
        "SSH_ASKPASS_REQUIRE", "force"));

    ChildProcesses.Result result = PlainJGit.lsRemoteWithoutTerminal(fixture.processes,
        PlainJGit.stockClassPath(work), fixture.user.home(), env, Map.of(), fixture.directUri());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("org.eclipse.jgit.transport.sshd.SshdSessionFactory"), result::describe);
    assertEquals(List.of(), prompts(stockAsked));
  }
}
