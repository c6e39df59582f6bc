package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A passphrase-protected Ed25519 key made by ssh-keygen, through Pomerium to Debian's sshd: a JGit
 * CredentialsProvider is asked OpenSSH's question and its answer decrypts the key; with nothing to ask, or a wrong
 * passphrase every time, the failure names the key and says what to do.
 */
class KeyPassphraseTest {
  private static final String HOST = "git.corp.example.com";
  private static final String REPOSITORY = "project.git";
  private static final String PASSPHRASE = "correct horse " + UUID.randomUUID();

  @TempDir Path work;
  private final String token = "passphrase-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private Path key;

  @BeforeEach
  void start() throws Exception {
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
    environment.startGateway(token, HOST + ":22");
    key = environment.server().newClientKey("id_ed25519_protected", PASSPHRASE);
  }

  @AfterEach
  void stop() throws Exception {
    environment.close();
  }

  private void lsRemote(CredentialsProvider credentials) throws Exception {
    OpenSshServer server = environment.server();
    Path knownHosts = Files.writeString(work.resolve("known_hosts"), server.knownHostsLine(HOST) + "\n");
    try (PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
        .route(HOST + ":22").pomeriumUrl(environment.gatewayUrl()).addCaCertificates(environment.caFile())
        .tokenFile(environment.tokenFile()).tokenStore(TokenStore.inMemory())
        .homeDirectory(work.resolve("home").toFile()).sshDirectory(work.resolve("home/.ssh").toFile())
        .identityFiles(List.of(key)).knownHostsFiles(List.of(knownHosts)).build()) {
      Git.lsRemoteRepository().setRemote("ssh://" + OpenSshServer.USER + "@" + HOST + server.repoPath(REPOSITORY))
          .setTransportConfigCallback(pomerium).setCredentialsProvider(credentials).call();
    }
  }

  @Test
  void aCredentialsProviderIsAskedOpenSshsQuestionAndItsAnswerDecryptsTheKey() throws Exception {
    AnsweringCredentials provider = new AnsweringCredentials(PASSPHRASE);
    lsRemote(provider);
    assertEquals(List.of("Enter passphrase for key '" + key + "': "), provider.prompts);
  }

  @Test
  void withNothingToAskTheFailureNamesTheKeyAndWhatToDo() {
    TransportException e = assertThrows(TransportException.class, () -> lsRemote(null));
    KeyPassphraseException cause = KeyPassphraseException.causeOf(e);
    assertNotNull(cause, e::toString);
    assertEquals(KeyPassphraseException.Reason.NO_WAY_TO_ASK, cause.reason());
    assertEquals(List.of(key), cause.keyFiles());
    assertTrue(cause.getMessage().contains("the private key " + key + " is passphrase-protected"),
        cause.getMessage());
    assertTrue(cause.getMessage().contains("ssh-add " + key), cause.getMessage());
    assertTrue(cause.getMessage().contains("SSH_ASKPASS"), cause.getMessage());
    assertTrue(cause.getMessage().contains("CredentialsProvider"), cause.getMessage());
  }

  @Test
  void aWrongPassphraseThreeTimesSaysSoAndNeverShowsIt() {
    AnsweringCredentials provider = new AnsweringCredentials("wrong passphrase");
    TransportException e = assertThrows(TransportException.class, () -> lsRemote(provider));
    KeyPassphraseException cause = KeyPassphraseException.causeOf(e);
    assertNotNull(cause, e::toString);
    assertEquals(KeyPassphraseException.Reason.WRONG_PASSPHRASE, cause.reason());
    assertEquals(3, cause.attempts(), "OpenSSH's NumberOfPasswordPrompts");
    assertEquals(3, provider.prompts.size(), provider.prompts::toString);
    assertTrue(cause.getMessage().contains("the passphrase given for " + key + " was wrong 3 times"),
        cause.getMessage());
    assertFalse(cause.getMessage().contains("wrong passphrase"), cause.getMessage());
  }
}
