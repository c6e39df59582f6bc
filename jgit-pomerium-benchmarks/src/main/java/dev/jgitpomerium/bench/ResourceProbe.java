package dev.jgitpomerium.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.util.FS;

/**
 * What an open SSH session costs this JVM: live threads and retained heap (after full
 * collections) with {@code n} sessions held open at once, and what is left once they are closed.
 * Run for both clients; the difference is the tunnel's own cost.
 */
final class ResourceProbe {
  private static final int SESSION_TIMEOUT_MILLIS = Clients.GIT_TIMEOUT_SECONDS * 1000;
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(15);
  private static final long SETTLE_STEP_MILLIS = 100;
  private static final int GC_PASSES = 3;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private final Clients clients;

  ResourceProbe(Clients clients) {
    this.clients = clients;
  }

  /** Threads and heap, per session, while open and after close. */
  record PerSession(
      double threadsOpen, double heapOpenBytes, double threadsLeft, double heapLeftBytes) {}

  /** Live threads and heap used after collecting garbage. */
  record Snapshot(int threads, long heapBytes) {}

  PerSession measure(Via via, int sessions) throws Exception {
    SshdSessionFactory factory = clients.newFactory(via);
    try {
      // One session first, so what a factory starts once (the relay's listener) is not counted
      // per session, and classes are loaded.
      open(via, factory, 1).forEach(RemoteSession::disconnect);
      Snapshot before = settle(0);

      List<RemoteSession> open = open(via, factory, sessions);
      Snapshot with = snapshot();
      open.forEach(RemoteSession::disconnect);
      Snapshot after = settle(before.threads());

      return new PerSession(
          (with.threads() - before.threads()) / (double) sessions,
          (with.heapBytes() - before.heapBytes()) / (double) sessions,
          (after.threads() - before.threads()) / (double) sessions,
          (after.heapBytes() - before.heapBytes()) / (double) sessions);
    } finally {
      factory.close();
    }
  }

  /**
   * Heap still reachable after {@code connections} sessions opened and closed one after another through one
   * factory, against just after the first: whether something is kept per connection for good.
   */
  double heapLeftAfterManyBytes(Via via, int connections) throws Exception {
    SshdSessionFactory factory = clients.newFactory(via);
    try {
      open(via, factory, 1).forEach(RemoteSession::disconnect);
      Snapshot before = settle(0);
      for (int i = 0; i < connections; i++) {
        open(via, factory, 1).forEach(RemoteSession::disconnect);
      }
      Snapshot after = settle(before.threads());
      return after.heapBytes() - before.heapBytes();
    } finally {
      factory.close();
    }
  }

  private List<RemoteSession> open(Via via, SshdSessionFactory factory, int count)
      throws Exception {
    URIish uri = new URIish(clients.url(via));
    List<RemoteSession> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sessions.add(factory.getSession(uri, null, FS.DETECTED, SESSION_TIMEOUT_MILLIS));
      }
      return sessions;
    } catch (Exception e) {
      sessions.forEach(RemoteSession::disconnect);
      throw e;
    }
  }

  /**
   * Waits (bounded) until at most {@code threads} threads are alive, or the count has not changed
   * for a second, then takes a snapshot: closing ends threads asynchronously.
   */
  static Snapshot settle(int threads) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    int previous = -1;
    int stable = 0;
    while (System.nanoTime() - deadline < 0) {
      int now = THREADS.getThreadCount();
      if (now <= threads) {
        break;
      }
      stable = now == previous ? stable + 1 : 0;
      if (stable >= 10) {
        break; // a second without change: what is left stays
      }
      previous = now;
      Thread.sleep(SETTLE_STEP_MILLIS);
    }
    return snapshot();
  }

  static Snapshot snapshot() throws InterruptedException {
    for (int i = 0; i < GC_PASSES; i++) {
      System.gc();
      Thread.sleep(SETTLE_STEP_MILLIS);
    }
    return new Snapshot(THREADS.getThreadCount(), MEMORY.getHeapMemoryUsage().getUsed());
  }
}
