package dev.jgitpomerium.transport.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshUser;
import dev.jgitpomerium.testkit.SshAgent;
import dev.jgitpomerium.transport.internal.config.Compatibility;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys held only by a real ssh-agent, in a plain JGit program with this library (ServiceLoader, environment
 * configuration): found through {@code SSH_AUTH_SOCK} and ssh config's {@code IdentityAgent}, turned off by {@code
 * IdentityAgent none}, limited by {@code IdentitiesOnly}; each checked against OpenSSH on the same files.
 */
class SshAgentTest {
  @TempDir Path work;
  private OpenSshUser fixture;
  private SshAgent agent;
  /** A key ssh-keygen made with its defaults, authorized on the server, and never in ~/.ssh. */
  private Path agentKey;

  @BeforeEach
  void start() throws Exception {
    fixture = OpenSshUser.start(work);
    agent = SshAgent.start(fixture.processes, work.resolve("agent.sock"));
    agentKey = fixture.keys.generate(work.resolve("keys/agent-only"));
    fixture.server.authorize(Path.of(agentKey + ".pub"));
    agent.add(agentKey);
    fixture.user.knownHosts(fixture.server.knownHostsLine(OpenSshUser.HOST) + "\n"
        + fixture.server.knownHostsLine(fixture.directHostName()));
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
    fixture.close();
  }

  private Map<String, String> sshAuthSock() {
    return Map.of("SSH_AUTH_SOCK", agent.socket().toString());
  }

  @Test
  void aKeyOnlyInTheAgentOfSshAuthSockLogsIn() throws Exception {
    ChildProcesses.Result result = fixture.libraryLsRemote(sshAuthSock());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertTrue(result.stdout().contains(fixture.mainRefLine()), result::describe);
    assertLoggedInWith(agentKey);
    assertEquals(0, fixture.openSshLsRemote(sshAuthSock()).exitCode(), "OpenSSH, the yardstick, logs in too");
  }

  @Test
  void stockJGitIgnoresTheAgent() throws Exception {
    // Every host key: stock JGit has no Ed25519, and only the agent is in question here.
    fixture.user.knownHosts(fixture.server.knownHostsLines(fixture.directHostName()));

    ChildProcesses.Result result = fixture.stockLsRemote(sshAuthSock());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("publickey: no keys to try"), result::describe);
  }

  @Test
  void aPassphraseProtectedKeyFileIsUsedThroughItsUnlockedCopyInTheAgentWithoutAsking() throws Exception {
    // The common laptop set-up: ~/.ssh/id_ed25519 has a passphrase; the agent holds it unlocked since login.
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "correct horse battery staple");
    fixture.server.authorize(Path.of(key + ".pub"));
    SshAgent laptop = SshAgent.start(fixture.processes, work.resolve("laptop.sock"));
    try {
      laptop.add(key, "correct horse battery staple");
      Map<String, String> env = Map.of("SSH_AUTH_SOCK", laptop.socket().toString());

      ChildProcesses.Result result = fixture.libraryLsRemote(env);

      assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
      assertLoggedInWith(key);
      assertEquals(0, fixture.openSshLsRemote(env).exitCode(), "OpenSSH logs in too");
    } finally {
      laptop.close();
    }
  }

  @Test
  void identityAgentWithATildePathIsUsed() throws Exception {
    Path socket = fixture.user.ssh("agent.sock");
    SshAgent configured = SshAgent.start(fixture.processes, socket);
    try {
      configured.add(agentKey);
      fixture.user.config("Host " + OpenSshUser.HOST, "  IdentityAgent ~/.ssh/agent.sock");

      ChildProcesses.Result result = fixture.libraryLsRemote(Map.of());

      assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
      assertLoggedInWith(agentKey);
    } finally {
      configured.close();
    }
  }

  @Test
  void identityAgentWithAnEnvironmentVariableIsUsed() throws Exception {
    fixture.user.config("Host *", "  IdentityAgent ${AGENT_DIRECTORY}/agent.sock");
    Map<String, String> env = Map.of("AGENT_DIRECTORY", work.toString());

    ChildProcesses.Result result = fixture.libraryLsRemote(env);

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertLoggedInWith(agentKey);
    assertEquals(0, fixture.openSshLsRemote(env).exitCode(), "OpenSSH logs in too");
  }

  @Test
  void identityAgentSshAuthSockMeansTheEnvironmentVariable() throws Exception {
    fixture.user.config("Host *", "  IdentityAgent SSH_AUTH_SOCK");

    ChildProcesses.Result result = fixture.libraryLsRemote(sshAuthSock());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertLoggedInWith(agentKey);
    assertEquals(0, fixture.openSshLsRemote(sshAuthSock()).exitCode(), "OpenSSH logs in too");
  }

  @Test
  void identityAgentNoneTurnsTheAgentOffAndTheLoginFailsAsForOpenSsh() throws Exception {
    fixture.user.config("Host *", "  IdentityAgent none");

    ChildProcesses.Result result = fixture.libraryLsRemote(sshAuthSock());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("Cannot log in at " + OpenSshUser.HOST + ":22")
        && result.stderr().contains("publickey: no keys to try"), result::describe);
    ChildProcesses.Result openSsh = fixture.openSshLsRemote(sshAuthSock());
    assertNotEquals(0, openSsh.exitCode(), openSsh::describe);
    assertTrue(openSsh.stderr().contains("Permission denied (publickey)"), openSsh::describe);
  }

  @Test
  void identitiesOnlyUsesOnlyTheAgentKeyOfAnIdentityFile() throws Exception {
    // Another agent key comes first and is not authorized: with IdentitiesOnly only the named key is offered.
    Path other = fixture.keys.generate(work.resolve("keys/other"));
    agent.add(other);
    Files.copy(Path.of(agentKey + ".pub"), fixture.user.ssh("work.pub"));
    fixture.user.config("Host *", "  IdentitiesOnly yes", "  IdentityFile ~/.ssh/work.pub");

    ChildProcesses.Result result = fixture.libraryLsRemote(sshAuthSock());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertLoggedInWith(agentKey);
    assertFalse(fixture.server.log().contains(fixture.keys.fingerprint(Path.of(other + ".pub"))),
        () -> "the other agent key was offered:\n" + fixture.server.log());
  }

  @Test
  void identitiesOnlyWithoutAnIdentityFileOffersNoAgentKey() throws Exception {
    fixture.user.config("Host *", "  IdentitiesOnly yes");

    ChildProcesses.Result result = fixture.libraryLsRemote(sshAuthSock());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("publickey: no keys to try"), result::describe);
  }

  @Test
  void theAgentCopyOfTheIdentityFileIsOfferedFirstOrAnOlderJGitThatCannotIsNamed() throws Exception {
    // The agent lists another key first, which is not authorized; ssh config names the agent key as IdentityFile.
    Path other = fixture.keys.generate(work.resolve("keys/other"));
    SshAgent laptop = SshAgent.start(fixture.processes, work.resolve("laptop.sock"));
    try {
      laptop.add(other);
      laptop.add(agentKey);
      Files.copy(Path.of(agentKey + ".pub"), fixture.user.ssh("work.pub"));
      fixture.user.config("Host *", "  IdentityFile ~/.ssh/work.pub");
      Map<String, String> env = Map.of("SSH_AUTH_SOCK", laptop.socket().toString());

      ChildProcesses.Result result = fixture.libraryLsRemote(env);

      assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
      assertLoggedInWith(agentKey);
      Compatibility running = Compatibility.running();
      if (running.ordersAgentKeysByIdentityFile()) {
        assertFalse(fixture.server.log().contains(fixture.keys.fingerprint(Path.of(other + ".pub"))),
            () -> "the agent's other key was offered first:\n" + fixture.server.log());
      } else {
        assertTrue(result.stderr().contains(OpenSshUser.HOST + ": JGit " + running.jgitSsh() + " offers the "
            + "ssh-agent's keys in the agent's order, not the IdentityFile's key first as OpenSSH does (JGit 7.5 and "
            + "later do too)"), result::describe);
      }
    } finally {
      laptop.close();
    }
  }

  @Test
  void anAgentSocketThatIsGoneIsNamedInTheFailure() throws Exception {
    Path gone = work.resolve("gone.sock");

    ChildProcesses.Result result = fixture.libraryLsRemote(Map.of("SSH_AUTH_SOCK", gone.toString()));

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("The ssh-agent at " + gone + " (from SSH_AUTH_SOCK) cannot be reached "
        + "(no such socket)"), result::describe);
  }

  @Test
  void anAgentSocketThatIsGoneDoesNotStopTheKeyFilesFromBeingTried() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));

    ChildProcesses.Result result =
        fixture.libraryLsRemote(Map.of("SSH_AUTH_SOCK", work.resolve("gone.sock").toString()));

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertLoggedInWith(key);
  }

  private void assertLoggedInWith(Path key) throws Exception {
    String fingerprint = fixture.keys.fingerprint(Path.of(key + ".pub"));
    assertTrue(fixture.server.log().matches("(?s).*Accepted publickey for pomerium-git from 127\\.0\\.0\\.1 .*"
        + java.util.regex.Pattern.quote(fingerprint) + ".*"), () -> "sshd did not log in " + key + " ("
        + fingerprint + "):\n" + fixture.server.log());
  }
}
