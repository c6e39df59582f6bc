package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;

/**
 * Load within CI's budget: many concurrent clones share one sign-in, and long runs of operations (on one shared
 * connection, and each on a tunnel of its own) leave no growth in threads, sockets or heap (asserted with a margin;
 * the figures are printed for the record).
 */
class LoadTest extends TestbedTest {
  private static final int CONCURRENT_CLONES = 64;
  private static final int SEQUENTIAL_LS_REMOTES = 2000;
  private static final int SEQUENTIAL_TUNNELS = 300;
  private static final int WARM_UP = 50;

  @Test
  void sixtyFourConcurrentClonesThroughOneFactorySignInOnce() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().build()) {
      testbed.cloneConcurrently(pomerium, CONCURRENT_CLONES);
      assertEquals(1, testbed.gateway.signInCount());
      // At most 10 clones share a connection, so at most 7 connections; one that was opened before the sign-in
      // ended made two CONNECTs (302, then with the token), a later one, one.
      int requests = testbed.gateway.requestCount();
      assertTrue(requests >= 2 && requests <= 2 * 7, "CONNECTs: " + requests);
      testbed.cloneConcurrently(pomerium, CONCURRENT_CLONES, "again-");
      assertEquals(requests, testbed.gateway.requestCount(), "the second batch reuses the connections");
    }
  }

  @Test
  void twoThousandSequentialLsRemotesOnASharedConnectionLeaveNoGrowth() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      sequentialLsRemotesLeaveNoGrowth(pomerium, SEQUENTIAL_LS_REMOTES);
    }
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void threeHundredSequentialTunnelsLeaveNoGrowth() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse().build()) {
      sequentialLsRemotesLeaveNoGrowth(pomerium, SEQUENTIAL_TUNNELS);
    }
    assertEquals(WARM_UP + SEQUENTIAL_TUNNELS, testbed.gateway.requestCount());
  }

  private static void sequentialLsRemotesLeaveNoGrowth(PomeriumSshSessionFactory pomerium, int count)
      throws Exception {
    for (int i = 0; i < WARM_UP; i++) {
      lsRemote(pomerium);
    }
    long threadsBefore = settledThreads();
    long socketsBefore = NoLeaks.openSockets();
    long heapBefore = usedHeapAfterGc();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      lsRemote(pomerium);
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    long threadsAfter = settledThreads();
    long socketsAfter = NoLeaks.openSockets();
    long heapAfter = usedHeapAfterGc();
    System.err.printf("load: %d ls-remotes in %d ms; threads %d -> %d, TCP sockets %d -> %d, heap %d KiB -> %d KiB%n",
        count, millis, threadsBefore, threadsAfter, socketsBefore, socketsAfter, heapBefore >> 10, heapAfter >> 10);
    assertTrue(threadsAfter <= threadsBefore + 4, "threads grew: " + threadsBefore + " -> " + threadsAfter);
    assertTrue(socketsAfter <= socketsBefore + 4, "sockets grew: " + socketsBefore + " -> " + socketsAfter);
    assertTrue(heapAfter <= heapBefore + 32L * 1024 * 1024, "heap grew: " + heapBefore + " -> " + heapAfter);
  }

  private static void lsRemote(PomeriumSshSessionFactory pomerium) throws Exception {
    Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
  }

  /** The live thread count once the last connection's threads have ended (each ends within a moment). */
  private static long settledThreads() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long count = ManagementFactory.getThreadMXBean().getThreadCount();
    // Threads of the last connection end asynchronously; wait until the count stops falling.
    while (System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      long now = ManagementFactory.getThreadMXBean().getThreadCount();
      if (now >= count) {
        return now;
      }
      count = now;
    }
    return count;
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
