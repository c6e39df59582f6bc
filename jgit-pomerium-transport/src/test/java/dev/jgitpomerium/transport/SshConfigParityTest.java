package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.TestRepositories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ssh config read as OpenSSH reads it, through JGit for real connections: keywords inside {@code Match} blocks take
 * effect (IdentityFile, Port, HostName, a pomerium-cli ProxyCommand), a ProxyCommand line means what the shell makes
 * of it, a ProxyCommand that cannot be used is never bypassed, a broken line fails naming file and line, and IPv6
 * literal URLs work. Where stock JGit 7.8.1 is measured on the same set-up (a plain {@link SshdSessionFactory}), the
 * test says so; those measurements feed the README's table.
 */
class SshConfigParityTest extends TestbedTest {
  private Path ca;
  private Path token;

  @BeforeEach
  void files() throws Exception {
    ca = testbed.gateway.writeCaCertificate(testbed.home.resolve("ca.pem"));
    token = Files.writeString(testbed.home.resolve("token"), Testbed.TOKEN);
  }

  private void writeSshConfig(String... lines) throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("config"), String.join("\n", lines) + "\n");
  }

  /** A factory with no route of its own: only ssh config decides. */
  private PomeriumSshSessionFactory configOnly(Map<String, String> environment) {
    return PomeriumSshSessionFactory.builder()
        .environment(environment::get)
        .homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile())
        .build();
  }

  private SshdSessionFactory stockJGit() {
    return new SshdSessionFactoryBuilder().setHomeDirectory(testbed.home.toFile())
        .setSshDirectory(testbed.sshDirectory.toFile()).build(null);
  }

  private ObjectId cloneWith(SshSessionFactory factory, String uri, String directory) throws Exception {
    TransportConfigCallback use = t -> ((SshTransport) t).setSshSessionFactory(factory);
    try (Git clone = Git.cloneRepository().setURI(uri).setDirectory(dir.resolve(directory).toFile())
        .setTransportConfigCallback(use).call()) {
      return clone.getRepository().resolve("HEAD");
    }
  }

  @Test
  void identityFilePortAndHostNameInAMatchBlockTakeEffect() throws Exception {
    // The only key the server accepts is where nothing but the Match block's IdentityFile points.
    Files.move(testbed.sshDirectory.resolve("id_ecdsa"), testbed.sshDirectory.resolve("match_key"));
    Files.delete(testbed.sshDirectory.resolve("id_ecdsa.pub"));
    testbed.ssh.writeKnownHosts(testbed.sshDirectory.resolve("known_hosts"), "127.0.0.1");
    writeSshConfig("Match originalhost direct-alias",
        "  HostName 127.0.0.1",
        "  Port " + testbed.ssh.port(),
        "  IdentityFile ~/.ssh/match_key");
    String uri = "ssh://git@direct-alias/" + Testbed.REPOSITORY;

    String otherHost = "ssh://git@other-alias.invalid/" + Testbed.REPOSITORY;

    try (PomeriumSshSessionFactory pomerium = configOnly(Map.of())) {
      assertEquals(testbed.initialHead, cloneWith(pomerium, uri, "clone"));
      assertThrows(Exception.class, () -> cloneWith(pomerium, otherHost, "other"), "the block is not for it");
    }
    assertEquals(0, testbed.gateway.requestCount(), "a direct connection");

    // Stock JGit reads a Match line as no block at all: its keywords apply to every host, this one too.
    SshdSessionFactory stock = stockJGit();
    try {
      assertEquals(testbed.initialHead, cloneWith(stock, otherHost, "stock"));
    } finally {
      stock.close();
    }
  }

  @Test
  void theConfigIsReadOncePerConnection() throws Exception {
    Path runs = dir.resolve("match-exec-runs");
    testbed.ssh.writeKnownHosts(testbed.sshDirectory.resolve("known_hosts"), "127.0.0.1");
    writeSshConfig("Match exec \"echo run >> " + runs + "; exit 1\"",
        "  User nobody",
        "Host direct-alias",
        "  HostName 127.0.0.1",
        "  Port " + testbed.ssh.port(),
        "  ServerAliveInterval 7");

    try (PomeriumSshSessionFactory pomerium = configOnly(Map.of())) {
      assertEquals(testbed.initialHead, cloneWith(pomerium, "ssh://git@direct-alias/" + Testbed.REPOSITORY, "c"));
    }
    assertEquals(java.util.List.of("run"), Files.readAllLines(runs), "one resolution served JGit, the route and "
        + "the keepalives");
  }

  @Test
  void aPomeriumCliProxyCommandInAMatchBlockRoutesThroughPomerium() throws Exception {
    writeSshConfig("Match host " + Testbed.HOST + " user git",
        "  ProxyCommand pomerium-cli tcp --listen - --pomerium-url " + testbed.gateway.url()
            + " --alternate-ca-path " + ca + " --service-account-file " + token + " %h:%p");

    try (PomeriumSshSessionFactory pomerium = configOnly(Map.of())) {
      assertEquals(testbed.initialHead, cloneWith(pomerium, Testbed.URI, "clone"));
    }
    assertEquals(Testbed.HOST + ":22", testbed.gateway.requests().get(0).target());
  }

  @Test
  void tildeVariablesAndQuotesInAPomeriumCliLineAreExpandedAsTheShellWould() throws Exception {
    writeSshConfig("Host " + Testbed.HOST,
        "  ProxyCommand exec pomerium-cli tcp --pomerium-url \"${POMERIUM_URL}\" --alternate-ca-path ~/ca.pem "
            + "--service-account-file '" + testbed.home + "'/token '%h:%p'");

    try (PomeriumSshSessionFactory pomerium = configOnly(Map.of("HOME", testbed.home.toString(),
        "POMERIUM_URL", testbed.gateway.url()))) {
      assertEquals(testbed.initialHead, cloneWith(pomerium, Testbed.URI, "clone"));
    }
    assertEquals("Pomerium " + Testbed.TOKEN, testbed.gateway.requests().get(0).authorization());
  }

  @Test
  void aPomeriumCliLineWithShellConstructsIsRunAsACommandNotReadInProcess() throws Exception {
    writeSshConfig("Host " + Testbed.HOST,
        "  ProxyCommand pomerium-cli-not-installed tcp --pomerium-url " + testbed.gateway.url() + " %h:%p | cat");

    try (PomeriumSshSessionFactory pomerium = configOnly(Map.of("PATH", "/usr/bin:/bin"))) {
      Exception e = assertThrows(Exception.class, () -> cloneWith(pomerium, Testbed.URI, "clone"));
      assertTrue(String.valueOf(rootMessage(e)).contains("ProxyCommand 'pomerium-cli-not-installed ...' (")
          && String.valueOf(rootMessage(e)).contains(" for " + Testbed.HOST + ":22 exited"),
          String.valueOf(rootMessage(e)));
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void aProxyCommandThatCannotBeUsedFailsTheConnectionAndIsNeverBypassed() throws Exception {
    Path config = testbed.sshDirectory.resolve("config");
    for (String flags : new String[] {"--pomerium-url not-a-url", "--alternate-ca-path ~/missing-ca.pem",
        "--listen -"}) {
      writeSshConfig("Host " + Testbed.HOST, "  User git",
          "  ProxyCommand pomerium-cli tcp " + flags + (flags.equals("--listen -") ? "" : " %h:%p"));
      try (PomeriumSshSessionFactory pomerium = configOnly(Map.of("HOME", testbed.home.toString()))) {
        Exception e = assertThrows(Exception.class, () -> cloneWith(pomerium, Testbed.URI, "clone"), flags);
        SshConfigException cause = SshConfigException.causeOf(e).orElseThrow(() -> new AssertionError(e));
        assertTrue(cause.getMessage().startsWith(config + " line 3: the ProxyCommand for " + Testbed.HOST
            + " cannot be used, so it is not connected at all: "), cause.getMessage());
      }
    }
    assertEquals(0, testbed.gateway.requestCount());
    assertEquals(0, testbed.ssh.openSessions(), "nothing reached the server directly either");
  }

  @Test
  void aProblemInTheConfigFileFailsTheConnectionNamingFileAndLine() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("extra.conf"), "Match host " + Testbed.HOST + "\n  Port x\n");
    writeSshConfig("Host *", "  User git", "Include extra.conf");

    try (PomeriumSshSessionFactory pomerium = configOnly(Map.of())) {
      Exception e = assertThrows(Exception.class, () -> cloneWith(pomerium, Testbed.URI, "clone"));
      SshConfigException cause = SshConfigException.causeOf(e).orElseThrow(() -> new AssertionError(e));
      assertEquals(testbed.sshDirectory.resolve("extra.conf") + " line 2: Bad port 'x'.", cause.getMessage());
      assertEquals(2, cause.line());
    }
    writeSshConfig("Match hostname " + Testbed.HOST, "  Port 22");
    try (PomeriumSshSessionFactory pomerium = configOnly(Map.of())) {
      Exception e = assertThrows(Exception.class, () -> cloneWith(pomerium, Testbed.URI, "clone"));
      assertEquals(testbed.sshDirectory.resolve("config") + " line 1: Unsupported Match attribute hostname",
          SshConfigException.causeOf(e).orElseThrow().getMessage());
    }
  }

  @Test
  void anIpv6LiteralUrlClonesDirectlyAndThroughPomerium() throws Exception {
    try (GitSshServer v6 = GitSshServer.start(dir.resolve("server6"), "::1");
        Repository origin = v6.createBareRepository(Testbed.REPOSITORY)) {
      ObjectId head = TestRepositories.commitFiles(origin, 2, 256, 7);
      v6.writeUserIdentity(testbed.sshDirectory);
      // known_hosts as OpenSSH writes it: the address in its short form, bracketed with the port unless 22.
      String key = org.apache.sshd.common.config.keys.PublicKeyEntry.toString(v6.hostPublicKey());
      Files.writeString(testbed.sshDirectory.resolve("known_hosts"),
          "[::1]:" + v6.port() + " " + key + "\n::1 " + key + "\n");
      String uri = "ssh://git@[::1]:" + v6.port() + "/" + Testbed.REPOSITORY;
      try (PomeriumSshSessionFactory pomerium = configOnly(Map.of())) {
        assertEquals(head, cloneWith(pomerium, uri, "direct"));
      }
      // Stock JGit 7.8.1 fails here ("Invalid non-standard port value host pattern enclosure delimiters in [::1]",
      // an IllegalArgumentException after which it leaves its client's threads running), so it is not run here.

      // Through Pomerium: the route names the IPv6 destination as pomerium-cli writes it, [::1]:22.
      testbed.gateway.route("[::1]:22", v6.address());
      writeSshConfig("Host ::1",
          "  ProxyCommand pomerium-cli tcp --pomerium-url " + testbed.gateway.url() + " --alternate-ca-path " + ca
              + " --service-account-file " + token + " [%h]:%p");
      try (PomeriumSshSessionFactory pomerium = configOnly(Map.of())) {
        assertEquals(head, cloneWith(pomerium, "ssh://git@[::1]/" + Testbed.REPOSITORY, "tunnelled"));
      }
      assertEquals("[::1]:22", testbed.gateway.requests().get(0).target());
    }
  }

  private static String rootMessage(Throwable t) {
    String message = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        message = c.getMessage();
      }
    }
    return message;
  }
}
