package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.Test;

/**
 * JGit operations of one factory to one destination share an SSH connection, as OpenSSH's ControlMaster shares one
 * between ssh processes: one tunnel, one TLS handshake, one key exchange and one authentication for many fetches.
 * Counted at the gateway: each SSH connection is one CONNECT. {@code ConnectionReuseOpenSshTest} covers what only a
 * real OpenSSH server does (MaxSessions).
 */
class ConnectionReuseTest extends TestbedTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static void lsRemote(PomeriumSshSessionFactory factory) throws Exception {
    assertFalse(Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(factory).call().isEmpty());
  }

  private void sshConfig(String... lines) throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("config"), String.join("\n", lines) + "\n");
  }

  /** Runs {@code count} ls-remotes at once, released together; all must succeed. */
  private static void lsRemoteConcurrently(PomeriumSshSessionFactory factory, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(count);
    try {
      CountDownLatch ready = new CountDownLatch(count);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Object>> results = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        results.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          lsRemote(factory);
          return null;
        }));
      }
      assertTrue(ready.await(WAIT.toSeconds(), TimeUnit.SECONDS));
      go.countDown();
      for (Future<Object> result : results) {
        result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS));
    }
  }

  @Test
  void operationsOneAfterAnotherShareOneConnection() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      for (int i = 0; i < 5; i++) {
        lsRemote(pomerium);
      }
      try (Git clone = testbed.cloneThrough(pomerium, "clone")) {
        clone.fetch().setTransportConfigCallback(pomerium).call();
      }
      assertEquals(1, testbed.gateway.requestCount());
      assertEquals(1, testbed.ssh.openSessions(), "the connection stays open for the next operation");
    }
    assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT), "close() ends the kept connection");
    assertTrue(testbed.ssh.awaitNoOpenSessions(WAIT));
  }

  @Test
  void concurrentOperationsWaitForTheConnectionBeingOpenedAndShareIt() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      lsRemoteConcurrently(pomerium, 8);
      assertEquals(1, testbed.gateway.requestCount(), "8 channels on one connection");
      lsRemoteConcurrently(pomerium, 8);
      assertEquals(1, testbed.gateway.requestCount());
    }
  }

  @Test
  void moreConcurrentOperationsThanOpenSshsDefaultMaxSessionsSpreadOverMoreConnections() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      lsRemoteConcurrently(pomerium, 14);
      assertEquals(2, testbed.gateway.requestCount(), "at most 10 channels on one connection, as OpenSSH allows");
      lsRemoteConcurrently(pomerium, 14);
      assertEquals(2, testbed.gateway.requestCount());
    }
  }

  @Test
  void anIdleConnectionIsClosedAfterItsKeepIdleTimeAndTheNextOperationOpensAnother() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().connectionReuse(Duration.ofMillis(300)).build()) {
      lsRemote(pomerium);
      assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT), "closed once idle for 300 ms");
      assertTrue(testbed.ssh.awaitNoOpenSessions(WAIT));
      lsRemote(pomerium);
      assertEquals(2, testbed.gateway.requestCount());
    }
  }

  @Test
  void controlPersistInSshConfigSetsTheIdleTime() throws Exception {
    sshConfig("Host " + Testbed.HOST, "  ControlPersist 1");
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      lsRemote(pomerium);
      assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT), "closed once idle for 1 s");
    }
  }

  @Test
  void controlPersistNoClosesTheConnectionWhenItsLastOperationEnds() throws Exception {
    sshConfig("Host " + Testbed.HOST, "  ControlPersist no");
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      lsRemote(pomerium);
      assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT));
      lsRemote(pomerium);
      assertEquals(2, testbed.gateway.requestCount());
    }
  }

  @Test
  void theDefaultKeepsAnIdleConnectionLongerThanAFewSeconds() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      lsRemote(pomerium);
      assertFalse(testbed.gateway.awaitNoOpenConnections(Duration.ofSeconds(2)));
      lsRemote(pomerium);
      assertEquals(1, testbed.gateway.requestCount());
    }
  }

  @Test
  void controlMasterNoInSshConfigGivesEveryOperationItsOwnConnection() throws Exception {
    sshConfig("Host " + Testbed.HOST, "  ControlMaster no");
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      for (int i = 0; i < 3; i++) {
        lsRemote(pomerium);
        assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT), "closed at the end of the operation, as JGit does");
      }
      assertEquals(3, testbed.gateway.requestCount());
    }
  }

  @Test
  void noConnectionReuseInCodeWinsOverSshConfig() throws Exception {
    sshConfig("Host " + Testbed.HOST, "  ControlMaster auto", "  ControlPersist yes");
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse().build()) {
      lsRemote(pomerium);
      lsRemote(pomerium);
      assertEquals(2, testbed.gateway.requestCount());
    }
  }

  @Test
  void connectionReuseFromTheEnvironmentIsReadAsOpenSshsControlPersist() {
    PomeriumSshSessionFactory.Builder off = PomeriumSshSessionFactory.builderFromSettings(
        name -> name.equals("jgit.pomerium.connectionReuse") ? "no" : null);
    assertEquals(2, countConnections(off));
    InvalidSettingException bad = assertThrows(InvalidSettingException.class,
        () -> PomeriumSshSessionFactory.builderFromSettings(
            name -> name.equals("jgit.pomerium.connectionReuse") ? "sometimes" : null));
    assertTrue(bad.getMessage().contains("expected no, yes or how long to keep an idle connection"), bad.getMessage());
  }

  private int countConnections(PomeriumSshSessionFactory.Builder settings) {
    int before = testbed.gateway.requestCount();
    try (PomeriumSshSessionFactory pomerium = settings.route(Testbed.HOST + ":22")
        .pomeriumUrl(testbed.gateway.url()).addCaCertificatesPem(testbed.gateway.caCertificatePem())
        .token(Testbed.TOKEN).tokenStore(TokenStore.inMemory()).homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()).build()) {
      lsRemote(pomerium);
      lsRemote(pomerium);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return testbed.gateway.requestCount() - before;
  }

  @Test
  void aConnectionPomeriumCutWhileIdleIsReplacedWithoutFailingTheNextOperation() throws Exception {
    restartTestbed("idle-cut", gateway -> gateway.idleTimeout(Duration.ofSeconds(2)));
    try (PomeriumSshSessionFactory pomerium = testbed.factory().serverAliveInterval(Duration.ZERO).build()) {
      lsRemote(pomerium);
      assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT), "the gateway cuts the silent tunnel");
      lsRemote(pomerium);
      assertEquals(2, testbed.gateway.requestCount());
    }
  }

  @Test
  void keepalivesKeepAnIdleSharedConnectionOpenPastPomeriumsIdleTimeout() throws Exception {
    restartTestbed("idle-kept", gateway -> gateway.idleTimeout(Duration.ofSeconds(2)));
    try (PomeriumSshSessionFactory pomerium = testbed.factory().serverAliveInterval(Duration.ofMillis(500)).build()) {
      lsRemote(pomerium);
      assertFalse(testbed.gateway.awaitNoOpenConnections(Duration.ofSeconds(5)), "keepalives keep it open");
      lsRemote(pomerium);
      assertEquals(1, testbed.gateway.requestCount());
    }
  }

  @Test
  void aClosedFactoryRefusesNewOperationsWithAMessageThatSaysSo() throws Exception {
    PomeriumSshSessionFactory pomerium = testbed.factory().build();
    lsRemote(pomerium);
    pomerium.close();
    assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT));
    TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
    assertTrue(String.valueOf(e.getMessage()).contains("closed"), e.getMessage());
  }

  @Test
  void everyOperationAlsoSharesAConnectionToAHostThatIsNotRouted() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), testbed.ssh.hostKeyLine("127.0.0.1") + "\n",
        java.nio.file.StandardOpenOption.APPEND);
    String direct = "ssh://git@127.0.0.1:" + testbed.ssh.port() + "/" + Testbed.REPOSITORY;
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      for (int i = 0; i < 3; i++) {
        Git.lsRemoteRepository().setRemote(direct).setTransportConfigCallback(pomerium).call();
        assertEquals(1, testbed.ssh.openSessions());
      }
    }
    assertEquals(0, testbed.gateway.requestCount());
    assertTrue(testbed.ssh.awaitNoOpenSessions(WAIT));
  }

  @Test
  void operationsThatBringTheirOwnCredentialsProviderShareOnlyWithTheSameProvider() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      // A provider per command, as many programs make them: each its own connection, none kept afterwards.
      for (int i = 0; i < 3; i++) {
        lsRemote(pomerium, new UsernamePasswordCredentialsProvider("user", "passphrase " + i));
        assertTrue(testbed.gateway.awaitNoOpenConnections(WAIT), "a connection no later operation can share is closed");
      }
      assertEquals(3, testbed.gateway.requestCount());
      // One provider used again and again: kept from its second operation on.
      CredentialsProvider alice = new UsernamePasswordCredentialsProvider("alice", "alice's passphrase");
      for (int i = 0; i < 4; i++) {
        lsRemote(pomerium, alice);
      }
      assertEquals(5, testbed.gateway.requestCount());
      lsRemote(pomerium, null);
      lsRemote(pomerium, null);
      assertEquals(6, testbed.gateway.requestCount(), "no provider: a connection of its own, never alice's");
    }
  }

  private static void lsRemote(PomeriumSshSessionFactory factory, CredentialsProvider credentials) throws Exception {
    Git.lsRemoteRepository().setRemote(Testbed.URI).setCredentialsProvider(credentials)
        .setTransportConfigCallback(factory).call();
  }

  @Test
  void aKeptConnectionThatStopsAnsweringIsReplacedWithinSecondsAndTheOperationSucceeds() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      lsRemote(pomerium);
      // As after a laptop slept or a NAT forgot the connection: nothing comes back, nothing is closed.
      testbed.gateway.blackholeOpenTunnels();
      long start = System.nanoTime();
      lsRemote(pomerium);
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      assertTrue(seconds < 20, "took " + seconds + " s: the operation waited out JGit's 30 s instead");
      assertEquals(2, testbed.gateway.requestCount());
    }
  }
}
