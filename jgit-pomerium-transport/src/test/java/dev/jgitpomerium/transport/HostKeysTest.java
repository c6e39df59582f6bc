package dev.jgitpomerium.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * known_hosts as OpenSSH treats it, against Debian's sshd, with the real {@code ssh} and {@code ssh-keygen} as the
 * oracle: an unknown host is reported as unknown (not as a mismatch), a changed key with both fingerprints and the
 * offending line, a revoked key as revoked; StrictHostKeyChecking, HashKnownHosts, HostKeyAlias and
 * {@code @cert-authority} behave as OpenSSH's, and what the library records is what ssh accepts.
 */
class HostKeysTest {
  private static final String REPOSITORY = "project.git";
  private static final String ROUTED_HOST = "git.corp.example.com";

  @TempDir Path work;
  private final String token = "host-keys-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private OpenSshServer server;
  private Path sshDirectory;
  private Path knownHosts;

  @BeforeEach
  void start() throws Exception {
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
    server = environment.server();
    sshDirectory = Files.createDirectories(work.resolve("home/.ssh"));
    knownHosts = sshDirectory.resolve("known_hosts");
  }

  @AfterEach
  void stop() throws Exception {
    environment.close();
  }

  private String directName() {
    return "[127.0.0.1]:" + server.port();
  }

  private String directUri() {
    return "ssh://" + OpenSshServer.USER + "@127.0.0.1:" + server.port() + server.repoPath(REPOSITORY);
  }

  private void sshConfig(String... lines) throws Exception {
    Files.writeString(sshDirectory.resolve("config"), String.join("\n", lines) + "\n", UTF_8);
  }

  private PomeriumSshSessionFactory.Builder builder() {
    return PomeriumSshSessionFactory.builder()
        .tokenStore(TokenStore.inMemory())
        .homeDirectory(work.resolve("home").toFile())
        .sshDirectory(sshDirectory.toFile())
        .identityFiles(List.of(server.clientKey()));
  }

  /** {@code git ls-remote} as a plain JGit program does it, with this library's factory. */
  private void lsRemote(String uri, CredentialsProvider credentials) throws Exception {
    try (PomeriumSshSessionFactory factory = builder().build()) {
      Git.lsRemoteRepository().setRemote(uri).setTransportConfigCallback(factory).setCredentialsProvider(credentials)
          .call();
    }
  }

  private HostKeyException refused(String uri) {
    TransportException e = assertThrows(TransportException.class, () -> lsRemote(uri, null));
    HostKeyException hostKey = HostKeyException.causeOf(e);
    assertNotNull(hostKey, () -> "not a HostKeyException: " + e);
    return hostKey;
  }

  /** {@code ssh-keygen -lf file}: the SHA256 fingerprint, as OpenSSH prints it. */
  private String fingerprint(Path publicKey) throws Exception {
    return environment.processes().check(null, List.of("ssh-keygen", "-lf", publicKey.toString())).split(" ")[1];
  }

  /** The real git over the real ssh, with this known_hosts and StrictHostKeyChecking yes. */
  private ChildProcesses.Result sshLsRemote(String... options) throws Exception {
    List<String> ssh = new ArrayList<>(List.of("ssh", "-F", sshDirectory.resolve("config").toString(), "-i",
        server.clientKey().toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o",
        "UserKnownHostsFile=" + knownHosts));
    for (String option : options) {
      ssh.add("-o");
      ssh.add(option);
    }
    if (!Files.exists(sshDirectory.resolve("config"))) {
      sshConfig("# empty");
    }
    return environment.processes().run(null, Map.of("GIT_SSH_COMMAND", ChildProcesses.shellCommand(ssh)),
        List.of("git", "ls-remote", directUri()));
  }

  @Test
  void unknownHostIsReportedAsUnknownNotAsAMismatch() throws Exception {
    sshConfig("Host 127.0.0.1", "  StrictHostKeyChecking yes");
    HostKeyException e = refused(directUri());

    assertEquals(HostKeyException.Kind.UNKNOWN, e.kind());
    assertEquals(directName(), e.host());
    // Ed25519 first, as OpenSSH asks: the key a user compares and records.
    assertEquals("ED25519", e.keyType());
    assertEquals(fingerprint(server.hostPublicKey("ed25519")), e.fingerprint());
    assertTrue(e.getMessage().startsWith("No ED25519 host key is known for " + directName()
        + " and you have requested strict checking."), e.getMessage());
    assertTrue(e.getMessage().contains("ssh-keyscan -p " + server.port() + " 127.0.0.1 >> " + knownHosts),
        e.getMessage());
    assertFalse(e.getMessage().contains("impersonat"), e.getMessage());

    ChildProcesses.Result ssh = sshLsRemote();
    assertTrue(ssh.stderr().contains("No ED25519 host key is known for " + directName()), ssh.describe());
  }

  @Test
  void unknownHostWithNothingToAskSaysSoAndHowToAddIt() throws Exception {
    HostKeyException e = refused(directUri()); // StrictHostKeyChecking ask, the default; no CredentialsProvider
    assertEquals(HostKeyException.Kind.UNKNOWN, e.kind());
    assertTrue(e.getMessage().contains("nothing can ask whether to trust it"), e.getMessage());
    assertTrue(e.getMessage().contains(e.fingerprint()), e.getMessage());
  }

  @Test
  void changedHostKeyGivesOpenSshsWarningWithBothFingerprintsAndTheOffendingLine() throws Exception {
    Path impostor = work.resolve("impostor_ed25519");
    environment.processes().check(null, List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
        impostor.toString()));
    String[] impostorKey = Files.readString(Path.of(impostor + ".pub")).strip().split(" ");
    Files.writeString(knownHosts, "# the server's old key\n" + directName() + " " + impostorKey[0] + " "
        + impostorKey[1] + "\n");

    HostKeyException e = refused(directUri());
    assertEquals(HostKeyException.Kind.CHANGED, e.kind());
    assertEquals(fingerprint(server.hostPublicKey("ed25519")), e.fingerprint());
    assertEquals(fingerprint(Path.of(impostor + ".pub")), e.knownFingerprint());
    assertEquals(knownHosts, e.knownHostsFile());
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!"), e.getMessage());
    assertTrue(e.getMessage().contains("Offending ED25519 key in " + knownHosts + ":2"), e.getMessage());

    // OpenSSH reports the same line, with StrictHostKeyChecking ask (its default) as with yes.
    ChildProcesses.Result ssh = sshLsRemote("StrictHostKeyChecking=ask");
    assertTrue(ssh.stderr().contains("Offending ED25519 key in " + knownHosts + ":2"), ssh.describe());
    assertTrue(ssh.stderr().contains(e.fingerprint()), ssh.describe());
  }

  @Test
  void revokedHostKeyIsRefusedAsRevoked() throws Exception {
    Files.writeString(knownHosts, server.knownHostsLine(directName()) + "\n@revoked * "
        + server.knownHostsLine("x").substring(2) + "\n");
    HostKeyException e = refused(directUri());
    assertEquals(HostKeyException.Kind.REVOKED, e.kind());
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("WARNING: REVOKED HOST KEY DETECTED!"), e.getMessage());

    ChildProcesses.Result ssh = sshLsRemote();
    assertTrue(ssh.stderr().contains("REVOKED HOST KEY DETECTED"), ssh.describe());
  }

  @Test
  void acceptNewRecordsTheKeyUnderHostAndPortAndRealSshAcceptsTheFile() throws Exception {
    sshConfig("Host 127.0.0.1", "  StrictHostKeyChecking accept-new");
    lsRemote(directUri(), null);
    assertEquals(server.knownHostsLine(directName()), Files.readString(knownHosts).strip());
    assertEquals(0, sshLsRemote("StrictHostKeyChecking=yes").exitCode());

    // accept-new never accepts a changed key.
    Files.writeString(knownHosts, impostorLine(directName()) + "\n");
    assertEquals(HostKeyException.Kind.CHANGED, refused(directUri()).kind());
  }

  private String impostorLine(String name) throws Exception {
    Path impostor = work.resolve("other_ed25519_" + UUID.randomUUID());
    environment.processes().check(null, List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
        impostor.toString()));
    String[] key = Files.readString(Path.of(impostor + ".pub")).strip().split(" ");
    return name + " " + key[0] + " " + key[1];
  }

  @Test
  void hashKnownHostsRecordsAHashedNameThatSshKeygenFindsAndSshAccepts() throws Exception {
    sshConfig("Host 127.0.0.1", "  StrictHostKeyChecking accept-new", "  HashKnownHosts yes");
    lsRemote(directUri(), null);
    String recorded = Files.readString(knownHosts).strip();
    assertTrue(recorded.startsWith("|1|"), recorded);
    assertFalse(recorded.contains("127.0.0.1"), recorded);
    String found = environment.processes().check(null, List.of("ssh-keygen", "-F", directName(), "-f",
        knownHosts.toString()));
    assertTrue(found.contains("found: line 1"), found);
    assertEquals(0, sshLsRemote("StrictHostKeyChecking=yes").exitCode());
    lsRemote(directUri(), null); // and the library finds it again
  }

  @Test
  void strictHostKeyCheckingNoConnectsDespiteAChangedKeyAndRecordsNothing() throws Exception {
    String old = impostorLine(directName());
    Files.writeString(knownHosts, old + "\n");
    sshConfig("Host 127.0.0.1", "  StrictHostKeyChecking no");
    lsRemote(directUri(), null);
    assertEquals(old, Files.readString(knownHosts).strip());
  }

  @Test
  void askThroughACredentialsProviderShowsOpenSshsQuestionAndRecordsTheAcceptedKey() throws Exception {
    AnsweringCredentials yes = new AnsweringCredentials(null);
    lsRemote(directUri(), yes);
    String fingerprint = fingerprint(server.hostPublicKey("ed25519"));
    assertEquals(List.of("The authenticity of host '" + directName() + " (127.0.0.1)' can't be established.",
        "ED25519 key fingerprint is " + fingerprint + ".", "This key is not known by any other names.",
        "Are you sure you want to continue connecting (yes/no/[fingerprint])? "), yes.prompts);
    assertEquals(server.knownHostsLine(directName()), Files.readString(knownHosts).strip());
  }

  @Test
  void hostKeyAliasLooksUpAndRecordsTheKeyUnderTheAlias() throws Exception {
    sshConfig("Host gitserver", "  HostName 127.0.0.1", "  Port " + server.port(), "  HostKeyAlias " + ROUTED_HOST,
        "  StrictHostKeyChecking accept-new");
    String uri = "ssh://" + OpenSshServer.USER + "@gitserver" + server.repoPath(REPOSITORY);
    lsRemote(uri, null);
    assertEquals(server.knownHostsLine(ROUTED_HOST), Files.readString(knownHosts).strip());

    // Strictly now: found under the alias, by the library and by ssh with the same config.
    sshConfig("Host gitserver", "  HostName 127.0.0.1", "  Port " + server.port(), "  HostKeyAlias " + ROUTED_HOST,
        "  StrictHostKeyChecking yes");
    lsRemote(uri, null);
    ChildProcesses.Result ssh = environment.processes().run(null, Map.of("GIT_SSH_COMMAND", ChildProcesses
            .shellCommand(List.of("ssh", "-F", sshDirectory.resolve("config").toString(), "-i",
                server.clientKey().toString(), "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + knownHosts))),
        List.of("git", "ls-remote", uri));
    assertEquals(0, ssh.exitCode(), ssh.describe());
  }

  @Test
  void theUnknownHostIsNamedByItsRealNameThroughPomerium() throws Exception {
    environment.startGateway(token, ROUTED_HOST + ":22");
    sshConfig("Host " + ROUTED_HOST, "  StrictHostKeyChecking accept-new");
    String uri = "ssh://" + OpenSshServer.USER + "@" + ROUTED_HOST + server.repoPath(REPOSITORY);
    try (PomeriumSshSessionFactory factory = builder().route(ROUTED_HOST + ":22")
        .pomeriumUrl(environment.gatewayUrl()).addCaCertificates(environment.caFile())
        .tokenFile(environment.tokenFile()).build()) {
      Git.lsRemoteRepository().setRemote(uri).setTransportConfigCallback(factory).call();
    }
    assertEquals(server.knownHostsLine(ROUTED_HOST), Files.readString(knownHosts).strip());
  }

  @Test
  void aHostCertificateSignedByATrustedCertAuthorityIsAcceptedStrictly() throws Exception {
    try (OpenSshServer certified = OpenSshServer.startWithHostCertificates(List.of("127.0.0.1"), REPOSITORY)) {
      server = certified;
      sshConfig("Host 127.0.0.1", "  StrictHostKeyChecking yes");
      Files.writeString(knownHosts, certified.certificateAuthorityLine("[127.0.0.1]:*") + "\n");
      lsRemote(directUri(), null);
      assertEquals(0, sshLsRemote().exitCode());

      // A CA that is not trusted: the certificate's plain key is an unknown key, as in OpenSSH.
      Files.writeString(knownHosts, "# nothing trusted\n");
      assertEquals(HostKeyException.Kind.UNKNOWN, refused(directUri()).kind());
    }
  }

  @Test
  void theHostKeyAliasCanBeReadFromThisJGitVersion() {
    assertTrue(dev.jgitpomerium.transport.internal.session.KnownHosts.canReadHostKeyAlias(),
        "JGit moved SessionConfig.session or JGitSshClient.HOST_CONFIG_ENTRY: HostKeyAlias would be ignored, and "
            + "keyscan of a directly reached host would get one key type only");
  }
}
