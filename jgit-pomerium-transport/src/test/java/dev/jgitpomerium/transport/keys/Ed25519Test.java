package dev.jgitpomerium.transport.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshUser;
import dev.jgitpomerium.testkit.SshKeys;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ssh-keygen's Ed25519 key at {@code ~/.ssh/id_ed25519}, found as a default identity, and a known_hosts that holds
 * only the server's Ed25519 host key (what OpenSSH records), in a plain JGit program that finds this library by
 * ServiceLoader; measured against OpenSSH and stock JGit 7.8.1 on the same home directory.
 */
class Ed25519Test {
  @TempDir Path work;
  private OpenSshUser fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = OpenSshUser.start(work);
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  @Test
  void aPlainJGitProgramLogsInWithTheDefaultEd25519KeyAndAnEd25519OnlyKnownHosts() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));
    fixture.user.knownHosts(fixture.server.knownHostsLine(OpenSshUser.HOST, "ed25519"));

    ChildProcesses.Result result = fixture.libraryLsRemote(Map.of());

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + fixture.server.log());
    assertTrue(result.stderr().contains("PomeriumSshSessionFactory"), result::describe);
    assertTrue(result.stdout().contains(fixture.mainRefLine()), result::describe);
    assertTrue(fixture.server.log().contains("Accepted publickey for pomerium-git from 127.0.0.1")
        && fixture.server.log().contains("ED25519"), fixture.server::log);
  }

  @Test
  void openSshLogsInWithTheSameHomeDirectory() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));
    fixture.user.knownHosts(fixture.server.knownHostsLine(fixture.directHostName(), "ed25519"));

    ChildProcesses.Result result = fixture.openSshLsRemote(Map.of());

    assertEquals(0, result.exitCode(), result::describe);
  }

  @Test
  void stockJGitSkipsTheEd25519KeyAsUnsupported() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));
    // Every host key, so that only the user key is in question.
    fixture.user.knownHosts(fixture.server.knownHostsLines(fixture.directHostName()));

    ChildProcesses.Result result = fixture.stockLsRemote(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("org.eclipse.jgit.transport.sshd.SshdSessionFactory"), result::describe);
    assertTrue(result.stderr().contains("Unsupported key type (ssh-ed25519) in " + key), result::describe);
    assertTrue(result.stderr().contains("publickey: no keys to try"), result::describe);
  }

  @Test
  void stockJGitCallsAnEd25519OnlyKnownHostsAMismatch() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ecdsa"), "ecdsa", "");
    fixture.server.authorize(Path.of(key + ".pub"));
    fixture.user.knownHosts(fixture.server.knownHostsLine(fixture.directHostName(), "ed25519"));

    ChildProcesses.Result result = fixture.stockLsRemote(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("Server key did not validate"), result::describe);
  }

  @Test
  void anotherEd25519HostKeyInKnownHostsIsRejected() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));
    // An impostor's Ed25519 host key recorded for the host: the real server's must not pass for it.
    Path impostor = fixture.keys.generate(work.resolve("impostor_host_key"), "ed25519", "");
    fixture.user.knownHosts(OpenSshUser.HOST + " " + SshKeys.publicKeyBlob(Path.of(impostor + ".pub")));

    ChildProcesses.Result result = fixture.libraryLsRemote(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    // OpenSSH's warning for a changed key, naming the Ed25519 key offered (HostKeysTest covers the rest of it).
    assertTrue(result.stderr().contains("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!"), result::describe);
    assertTrue(result.stderr().contains("The fingerprint for the ED25519 key sent by the remote host is"),
        result::describe);
    assertFalse(fixture.server.log().contains("Accepted publickey"), fixture.server::log);
  }

  @Test
  void openSshAlsoRejectsAnotherEd25519HostKey() throws Exception {
    Path key = fixture.keys.generate(fixture.user.ssh("id_ed25519"), "ed25519", "");
    fixture.server.authorize(Path.of(key + ".pub"));
    Path impostor = fixture.keys.generate(work.resolve("impostor_host_key"), "ed25519", "");
    fixture.user.knownHosts(fixture.directHostName() + " " + SshKeys.publicKeyBlob(Path.of(impostor + ".pub")));

    ChildProcesses.Result result = fixture.openSshLsRemote(Map.of());

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), result::describe);
  }
}
