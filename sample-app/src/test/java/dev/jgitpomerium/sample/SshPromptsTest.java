package dev.jgitpomerium.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line asks as OpenSSH asks, through Pomerium to Debian's sshd: a passphrase on the terminal (echo off,
 * three tries), through SSH_ASKPASS, or not at all with a message that says what to do; and the host-key question,
 * answered with a pasted fingerprint, after which the key is recorded under the real host name.
 */
class SshPromptsTest {
  private static final String HOST = "git.corp.example.com";
  private static final String REPOSITORY = "project.git";
  private static final String PASSPHRASE = "battery staple " + UUID.randomUUID();

  @TempDir Path work;
  private final String token = "prompts-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private OpenSshServer server;
  private Path knownHosts;
  private Path home;

  @BeforeEach
  void start() throws Exception {
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
    environment.startGateway(token, HOST + ":22");
    server = environment.server();
    home = Files.createDirectories(work.resolve("home"));
    knownHosts = work.resolve("known_hosts");
    Files.writeString(knownHosts, server.knownHostsLine(HOST) + "\n", UTF_8);
  }

  @AfterEach
  void stop() throws Exception {
    environment.close();
  }

  private List<String> clone(Path key) {
    return CliProcess.jgitPomerium(home, "clone", "--pomerium-url", environment.gatewayUrl(), "--alternate-ca-path",
        environment.caFile().toString(), "--service-account-file", environment.tokenFile().toString(), "-i",
        key.toString(), "--known-hosts", knownHosts.toString(),
        "ssh://" + OpenSshServer.USER + "@" + HOST + server.repoPath(REPOSITORY), work.resolve("clone").toString());
  }

  /** The command without a controlling terminal, as from a cron job or an IDE. */
  private static List<String> withoutTerminal(List<String> command) {
    List<String> detached = new ArrayList<>(List.of("setsid", "-w"));
    detached.addAll(command);
    return detached;
  }

  @Test
  void thePassphraseIsAskedOnTheTerminalWithEchoOffAndTheCloneSucceeds() throws Exception {
    Path key = server.newClientKey("id_ed25519_protected", PASSPHRASE);
    try (PseudoTerminal terminal = PseudoTerminal.start(environment.processes(), work, Map.of(), clone(key))) {
      terminal.await("Enter passphrase for key '" + key + "': ");
      terminal.type(PASSPHRASE);
      assertEquals(0, terminal.exitCode(), terminal.screen());
      assertFalse(terminal.screen().contains(PASSPHRASE), "echoed: " + terminal.screen());
    }
    assertTrue(Files.isRegularFile(work.resolve("clone/README.md")));
  }

  @Test
  void aWrongPassphraseIsAskedThreeTimesAndTheFailureSaysSo() throws Exception {
    Path key = server.newClientKey("id_ed25519_protected", PASSPHRASE);
    try (PseudoTerminal terminal = PseudoTerminal.start(environment.processes(), work, Map.of(), clone(key))) {
      for (int i = 0; i < 3; i++) {
        terminal.await("Enter passphrase for key '" + key + "': ");
        terminal.type("not the passphrase");
      }
      assertEquals(1, terminal.exitCode(), terminal.screen());
      assertTrue(terminal.screen().contains("the passphrase given for " + key + " was wrong 3 times"),
          terminal.screen());
    }
  }

  @Test
  void sshAskpassWithRequireForceGivesThePassphraseWithoutATerminal() throws Exception {
    Path key = server.newClientKey("id_ed25519_protected", PASSPHRASE);
    Path asked = work.resolve("askpass-prompt");
    Path askpass = work.resolve("askpass.sh");
    Files.writeString(askpass, "#!/bin/sh\nprintf '%s' \"$1\" > " + ChildProcesses.shellQuote(asked.toString())
        + "\nprintf '%s\\n' " + ChildProcesses.shellQuote(PASSPHRASE) + "\n", UTF_8);
    Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));

    ChildProcesses.Result result = environment.processes().run(work,
        Map.of("SSH_ASKPASS", askpass.toString(), "SSH_ASKPASS_REQUIRE", "force"), withoutTerminal(clone(key)));

    assertEquals(0, result.exitCode(), result.describe());
    assertEquals("Enter passphrase for key '" + key + "': ", Files.readString(asked, UTF_8));
  }

  @Test
  void withNoWayToAskTheErrorNamesTheKeyAndWhatToDo() throws Exception {
    Path key = server.newClientKey("id_ed25519_protected", PASSPHRASE);
    // No terminal, and SSH_ASKPASS without a display is not used (OpenSSH's rule).
    ChildProcesses.Result result = environment.processes().run(work, Map.of("SSH_ASKPASS", "/bin/false"),
        withoutTerminal(clone(key)));

    assertEquals(1, result.exitCode(), result.describe());
    String error = result.stderr();
    assertTrue(error.contains("the private key " + key + " is passphrase-protected, and nothing here can ask"), error);
    assertTrue(error.contains("ssh-add " + key), error);
    assertTrue(error.contains("SSH_ASKPASS"), error);
    assertFalse(Files.exists(work.resolve("clone")));
  }

  @Test
  void theHostKeyQuestionAcceptsThePastedFingerprintAndRecordsTheRealHostName() throws Exception {
    Files.writeString(knownHosts, "", UTF_8);
    String fingerprint = environment.processes().check(null,
        List.of("ssh-keygen", "-lf", server.hostPublicKey("ed25519").toString())).split(" ")[1];
    try (PseudoTerminal terminal = PseudoTerminal.start(environment.processes(), work, Map.of(),
        clone(server.clientKey()))) {
      terminal.await("The authenticity of host '" + HOST + " (<no hostip for proxy command>)' can't be "
          + "established.");
      terminal.await("ED25519 key fingerprint is " + fingerprint + ".");
      terminal.await("This key is not known by any other names.");
      terminal.await("Are you sure you want to continue connecting (yes/no/[fingerprint])? ");
      terminal.type("maybe");
      terminal.await("Please type 'yes', 'no' or the fingerprint: ");
      terminal.type(fingerprint);
      assertEquals(0, terminal.exitCode(), terminal.screen());
    }
    assertEquals(server.knownHostsLine(HOST), Files.readString(knownHosts, UTF_8).strip());
    String found = environment.processes().check(null, List.of("ssh-keygen", "-F", HOST, "-f",
        knownHosts.toString()));
    assertTrue(found.contains("found: line 1"), found);
  }

  @Test
  void anUnknownHostWithoutATerminalIsReportedAsUnknownWithTheKeyscanCommand() throws Exception {
    Files.writeString(knownHosts, "", UTF_8);
    ChildProcesses.Result result = environment.processes().run(work, Map.of(),
        withoutTerminal(clone(server.clientKey())));

    assertEquals(1, result.exitCode(), result.describe());
    String error = result.stderr();
    assertTrue(error.contains("jgit-pomerium: the SSH host key of " + HOST + " is not known"), error);
    assertTrue(error.contains("keyscan " + HOST + " >> " + knownHosts), error);
    assertFalse(error.contains("impersonat"), error);
  }
}
