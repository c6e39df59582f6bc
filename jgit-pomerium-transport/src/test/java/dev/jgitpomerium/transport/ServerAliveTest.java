package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pomerium routes behind load balancers drop connections that stay silent, and a push is silent while the server runs
 * a slow hook. SSH keepalives ({@code ServerAliveInterval}) keep such a session alive, and end one whose server has
 * gone (a dead peer) instead of letting the push hang.
 */
class ServerAliveTest extends TestbedTest {
  private static final Duration GATEWAY_IDLE_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration SILENT_PHASE = Duration.ofSeconds(5);

  @BeforeEach
  void gatewayCutsIdleTunnelsAfterTwoSeconds() throws Exception {
    restartTestbed("idle", gateway -> gateway.idleTimeout(GATEWAY_IDLE_TIMEOUT));
    Files.writeString(testbed.sshDirectory.resolve("config"),
        "Host " + Testbed.HOST + "\n  ServerAliveInterval 1\n  ServerAliveCountMax 2\n");
  }

  private RevCommit commitToPush(Git clone) throws Exception {
    return clone.commit().setMessage("pushed after a slow hook").setSign(false).setAllowEmpty(true).call();
  }

  private static void push(Git clone, PomeriumSshSessionFactory pomerium) throws Exception {
    clone.push().setTransportConfigCallback(pomerium).setRefSpecs(new RefSpec("main:main")).call();
  }

  @Test
  void aPushSurvivesASilentPhaseLongerThanTheGatewaysIdleTimeoutWithServerAliveIntervalFromSshConfig()
      throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      RevCommit local = commitToPush(clone);
      testbed.ssh.setPreReceiveDelay(SILENT_PHASE);
      push(clone, pomerium);
      assertEquals(local.getId(), testbed.origin.resolve("refs/heads/main"));
    }
  }

  /** The control: without keepalives the same push is cut, so the test above proves they are what saves it. */
  @Test
  void serverAliveIntervalZeroInCodeWinsOverSshConfigAndTheGatewayCutsTheSilentPush() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().serverAliveInterval(Duration.ZERO).build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      commitToPush(clone);
      testbed.ssh.setPreReceiveDelay(SILENT_PHASE);
      assertThrows(TransportException.class, () -> push(clone, pomerium));
    }
  }

  @Test
  void aServerThatStopsAnsweringEndsThePushAfterCountMaxUnansweredKeepalives() throws Exception {
    restartTestbed("dead-peer", gateway -> { }); // no idle timeout: only the keepalives can notice
    Duration interval = Duration.ofMillis(500);
    int countMax = 2;
    List<String> notResponding = new CopyOnWriteArrayList<>();
    PomeriumEventListener listener = new PomeriumEventListener() {
      @Override
      public void serverNotResponding(String server, Duration silence) {
        notResponding.add(server + " " + silence.toMillis());
      }
    };
    try (PomeriumSshSessionFactory pomerium = testbed.factory().serverAliveInterval(interval)
            .serverAliveCountMax(countMax).eventListener(listener).build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      commitToPush(clone);
      testbed.ssh.setPreReceiveDelay(Duration.ofSeconds(20));
      CompletableFuture<Void> pushing = CompletableFuture.runAsync(() -> {
        try {
          push(clone, pomerium);
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
      assertTrue(testbed.ssh.awaitPushesHeld(1, Duration.ofSeconds(10)), "the push never reached the server's hook");
      long start = System.nanoTime();
      testbed.gateway.blackholeOpenTunnels();
      ExecutionException failed = assertThrows(ExecutionException.class, () -> pushing.get(20, TimeUnit.SECONDS));
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

      assertTrue(failed.getCause() instanceof TransportException, String.valueOf(failed.getCause()));
      // OpenSSH's rule: given up at the tick after countMax unanswered keepalives, so within interval x (count + 1).
      Duration bound = interval.multipliedBy(countMax + 1).plusMillis(1_000);
      assertTrue(elapsed.compareTo(bound) < 0, "took " + elapsed + ", bound " + bound);
      assertEquals(List.of(Testbed.HOST + ":22 1000"), notResponding);
      System.err.printf("fault: dead peer: push ended %d ms after the tunnel went silent (interval %d ms, count %d)%n",
          elapsed.toMillis(), interval.toMillis(), countMax);
    }
  }
}
