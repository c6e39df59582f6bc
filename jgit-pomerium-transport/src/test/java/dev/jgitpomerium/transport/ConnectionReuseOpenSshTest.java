package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection reuse against Debian's sshd behind the gateway: OpenSSH counts the channels of a connection against
 * {@code MaxSessions} and refuses one more ("open failed"), also for a little while after a channel has ended; the
 * operation that meets the refusal waits for ended channels to close, or goes on another connection, instead of
 * failing.
 */
class ConnectionReuseOpenSshTest {
  private static final String REPOSITORY = "project.git";
  private static final String ROUTED_HOST = "git.corp.example.com";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path work;
  private final String token = "reuse-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private PomeriumGateway gateway;

  private void start(String... sshdConfigLines) throws Exception {
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token, List.of(sshdConfigLines));
    gateway = environment.startGateway(token, ROUTED_HOST + ":22");
    Path ssh = Files.createDirectories(work.resolve("home/.ssh"));
    Files.writeString(ssh.resolve("known_hosts"), environment.server().knownHostsLines(ROUTED_HOST));
  }

  @AfterEach
  void stop() throws Exception {
    if (environment != null) {
      environment.close();
    }
  }

  private PomeriumSshSessionFactory factory() {
    return PomeriumSshSessionFactory.builder()
        .route(ROUTED_HOST + ":22")
        .pomeriumUrl(gateway.url())
        .addCaCertificatesPem(gateway.caCertificatePem())
        .token(token)
        .tokenStore(TokenStore.inMemory())
        .homeDirectory(work.resolve("home").toFile())
        .sshDirectory(work.resolve("home/.ssh").toFile())
        .identityFiles(List.of(environment.server().clientKey()))
        .build();
  }

  private String uri() {
    return "ssh://" + OpenSshServer.USER + "@" + ROUTED_HOST + environment.server().repoPath(REPOSITORY);
  }

  private void lsRemote(PomeriumSshSessionFactory factory) throws Exception {
    assertFalse(Git.lsRemoteRepository().setRemote(uri()).setTransportConfigCallback(factory).call().isEmpty());
  }

  private long logins() {
    return environment.server().log().lines().filter(line -> line.contains("Accepted publickey")).count();
  }

  @Test
  void operationsOneAfterAnotherLogInToOpenSshOnce() throws Exception {
    start();
    try (PomeriumSshSessionFactory factory = factory()) {
      for (int i = 0; i < 4; i++) {
        lsRemote(factory);
      }
    }
    assertEquals(1, gateway.requestCount());
    assertEquals(1, logins(), environment.server().log());
  }

  @Test
  void aChannelRefusedForMaxSessionsGoesOnAnotherConnectionAndTheOperationSucceeds() throws Exception {
    start("MaxSessions 1");
    try (PomeriumSshSessionFactory factory = factory();
        Transport held = Transport.open(new URIish(uri()))) {
      factory.configure(held);
      // A fetch connection holds its channel open (the ref advertisement is read, nothing fetched yet).
      try (FetchConnection open = held.openFetch()) {
        assertFalse(open.getRefs().isEmpty());
        lsRemote(factory);
        assertEquals(2, gateway.requestCount(), "the refused channel went on a second connection");
      }
      lsRemote(factory);
      lsRemote(factory);
      assertEquals(2, gateway.requestCount(), "both connections are kept and used, one channel at a time");
    }
    // sshd's own account of the refusal (the client sees "open failed").
    assertTrue(environment.server().log().contains("no more sessions"), environment.server().log());
    assertTrue(gateway.awaitNoOpenConnections(WAIT));
  }

  @Test
  void manyOperationsAtOnceAgainstAServerThatAllowsOneChannelPerConnectionAllSucceed() throws Exception {
    start("MaxSessions 1");
    try (PomeriumSshSessionFactory factory = factory()) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
      try {
        java.util.List<java.util.concurrent.Future<Object>> results = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
          results.add(pool.submit(() -> {
            lsRemote(factory);
            return null;
          }));
        }
        for (java.util.concurrent.Future<Object> result : results) {
          result.get(WAIT.toSeconds() * 3, java.util.concurrent.TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    assertTrue(environment.server().log().contains("no more sessions"), environment.server().log());
  }
}
