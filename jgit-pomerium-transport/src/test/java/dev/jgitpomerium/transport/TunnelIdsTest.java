package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.PomeriumGateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every event about a tunnel carries the tunnel's id, so the events of tunnels opening at once pair up. */
// Every operation here opens its own tunnel (noConnectionReuse): what is tested happens when a tunnel opens.
class TunnelIdsTest extends TestbedTest {

  @Test
  void twoTunnelsOpeningAtOnceReportEachOfTheirEventsUnderTheirOwnId() throws Exception {
    restartTestbed("held-sign-in", PomeriumGateway.Builder::holdSignIns);
    Map<Long, List<String>> eventsByTunnel = new ConcurrentHashMap<>();
    CountDownLatch bothAskedToSignIn = new CountDownLatch(2);
    PomeriumEventListener listener = new PomeriumEventListener() {
      private void add(long tunnelId, String event) {
        eventsByTunnel.computeIfAbsent(tunnelId, id -> new CopyOnWriteArrayList<>()).add(event);
      }

      @Override
      public void tunnelOpening(long tunnelId, Route route) {
        add(tunnelId, "tunnelOpening " + route.destination());
      }

      @Override
      public void signInRequired(long tunnelId, Route route, int status) {
        add(tunnelId, "signInRequired " + status);
        bothAskedToSignIn.countDown();
      }

      @Override
      public void tunnelOpened(long tunnelId, Route route, Duration elapsed) {
        add(tunnelId, "tunnelOpened");
      }

      @Override
      public void tunnelFailed(long tunnelId, Route route, PomeriumException failure) {
        add(tunnelId, "tunnelFailed " + failure.getMessage());
      }

      @Override
      public void tunnelClosed(long tunnelId, Route route, long bytesSent, long bytesReceived) {
        add(tunnelId, "tunnelClosed, bytes both ways " + (bytesSent > 0 && bytesReceived > 0));
      }
    };

    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .eventListener(listener).build()) {
      CompletableFuture<Void> clones = CompletableFuture.runAsync(() -> {
        try {
          testbed.cloneConcurrently(pomerium, 2);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // Both tunnels are half open, waiting for the one sign-in, before either goes on.
      assertTrue(bothAskedToSignIn.await(30, TimeUnit.SECONDS), eventsByTunnel::toString);
      testbed.gateway.releaseSignIns();
      clones.get(60, TimeUnit.SECONDS);
    }

    assertEquals(2, eventsByTunnel.size(), eventsByTunnel::toString);
    for (List<String> events : eventsByTunnel.values()) {
      assertEquals(List.of("tunnelOpening " + Testbed.HOST + ":22", "signInRequired 302", "tunnelOpened",
          "tunnelClosed, bytes both ways true"), events, eventsByTunnel::toString);
    }
    assertEquals(1, testbed.gateway.signInCount());
  }
}
