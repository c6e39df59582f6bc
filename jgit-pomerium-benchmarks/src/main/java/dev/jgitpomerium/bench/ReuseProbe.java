package dev.jgitpomerium.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.util.FS;

/**
 * What connection reuse costs the client's JVM, through one reusing tunnel factory (the library's
 * default): threads and heap per idle connection it keeps, threads per further channel open on one
 * shared connection, and whether the heap grows over many operations. Every figure is checked
 * against the gateway's own count of connections, so that a connection opened where one should
 * have been shared shows.
 */
final class ReuseProbe {
  /** Longer than the 2 s after which an idle connection's sshd worker threads end. */
  private static final long IDLE_WAIT_MILLIS = 3_000;

  private static final int SESSION_TIMEOUT_MILLIS = Clients.GIT_TIMEOUT_SECONDS * 1000;

  private final Clients clients;
  private final ServerProcess server;

  ReuseProbe(Clients clients, ServerProcess server) {
    this.clients = clients;
    this.server = server;
  }

  /**
   * Threads and heap per idle kept connection: one factory, an ls-remote as each of {@code n}
   * distinct users (distinct destinations, so distinct connections), all left idle, against the
   * same factory with one idle connection.
   *
   * @param gatewayConnections what the gateway accepted for the {@code n}: n when each has one
   * @param added the thread families the {@code n} idle connections added, for the report
   */
  record Idle(
      double threadsPerConnection,
      double heapPerConnectionBytes,
      int gatewayConnections,
      Map<String, Integer> added) {}

  Idle idleConnections(int n) throws Exception {
    SshdSessionFactory factory = clients.newReusingFactory(Via.TUNNEL);
    try {
      // One connection first: what the factory starts once (the relay's listener) and the
      // classes are not counted per connection.
      clients.lsRemote(Via.TUNNEL, "warm", factory);
      ResourceProbe.Snapshot before = ResourceProbe.settle(0);
      Map<String, Integer> familiesBefore = threadFamilies();
      int gatewayBefore = server.stats().connections();
      for (int i = 1; i <= n; i++) {
        clients.lsRemote(Via.TUNNEL, "user" + i, factory);
      }
      // The operations have ended (their threads too); the connections stay, idle. An idle connection's sshd
      // threads end after 2 s without work (the library's IdleThreads): wait past that, as a connection kept for
      // the next operation would.
      Thread.sleep(IDLE_WAIT_MILLIS);
      ResourceProbe.Snapshot idle = ResourceProbe.settle(before.threads());
      int gatewayAfter = server.stats().connections();
      return new Idle(
          (idle.threads() - before.threads()) / (double) n,
          (idle.heapBytes() - before.heapBytes()) / (double) n,
          gatewayAfter - gatewayBefore,
          difference(familiesBefore, threadFamilies()));
    } finally {
      factory.close();
    }
  }

  /**
   * Threads per further channel on one shared connection: one session with {@code
   * git-upload-pack} held open at its ref advertisement, then {@code k} more at once, each through
   * {@code getSession} (a session of its own for JGit, a channel on the shared connection).
   *
   * @param gatewayConnections what the gateway accepted for the {@code k}: 0 when all shared
   */
  record Channels(double threadsPerChannel, int gatewayConnections) {}

  Channels channels(int k) throws Exception {
    SshdSessionFactory factory = clients.newReusingFactory(Via.TUNNEL);
    List<HeldChannel> held = new ArrayList<>();
    try {
      held.add(HeldChannel.open(factory, new URIish(clients.url(Via.TUNNEL))));
      ResourceProbe.Snapshot before = ResourceProbe.settle(0);
      int gatewayBefore = server.stats().connections();
      for (int i = 0; i < k; i++) {
        held.add(HeldChannel.open(factory, new URIish(clients.url(Via.TUNNEL))));
      }
      ResourceProbe.Snapshot with = ResourceProbe.settle(before.threads());
      int gatewayAfter = server.stats().connections();
      return new Channels((with.threads() - before.threads()) / (double) k, gatewayAfter - gatewayBefore);
    } finally {
      held.forEach(HeldChannel::close);
      factory.close();
    }
  }

  /**
   * Heap after full collections once {@code first} ls-remotes have run on one reusing factory, and
   * once {@code total} have: flat when the difference per operation is within a few bytes' noise.
   *
   * @param gatewayConnections connections the gateway accepted for all {@code total}: 1 when all
   *     shared one
   */
  record Growth(double bytesPerOperation, double bytesInAll, int gatewayConnections) {}

  Growth heapGrowth(int first, int total) throws Exception {
    SshdSessionFactory factory = clients.newReusingFactory(Via.TUNNEL);
    try {
      int gatewayBefore = server.stats().connections();
      for (int i = 0; i < first; i++) {
        clients.lsRemote(Via.TUNNEL, factory);
      }
      ResourceProbe.Snapshot early = ResourceProbe.settle(0);
      for (int i = first; i < total; i++) {
        clients.lsRemote(Via.TUNNEL, factory);
      }
      ResourceProbe.Snapshot late = ResourceProbe.settle(early.threads());
      int gatewayAfter = server.stats().connections();
      double grown = late.heapBytes() - early.heapBytes();
      return new Growth(grown / (total - first), grown, gatewayAfter - gatewayBefore);
    } finally {
      factory.close();
    }
  }

  /** Live threads by name, numbers taken out: {@code sshd-SshClient[#]-nio2-thread-#} and so on. */
  static Map<String, Integer> threadFamilies() {
    Map<String, Integer> families = new TreeMap<>();
    for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
      if (t != null) {
        families.merge(t.getThreadName().replaceAll("[0-9a-f]{6,}|[0-9]+", "#"), 1, Integer::sum);
      }
    }
    return families;
  }

  private static Map<String, Integer> difference(Map<String, Integer> before, Map<String, Integer> after) {
    Map<String, Integer> added = new TreeMap<>();
    after.forEach(
        (name, count) -> {
          int more = count - before.getOrDefault(name, 0);
          if (more != 0) {
            added.put(name, more);
          }
        });
    return added;
  }

  /** A JGit session with {@code git-upload-pack} running on it, its advertisement read, held open. */
  private static final class HeldChannel implements AutoCloseable {
    private final RemoteSession session;
    private final Process process;

    private HeldChannel(RemoteSession session, Process process) {
      this.session = session;
      this.process = process;
    }

    static HeldChannel open(SshdSessionFactory factory, URIish uri) throws Exception {
      RemoteSession session = factory.getSession(uri, null, FS.DETECTED, SESSION_TIMEOUT_MILLIS);
      try {
        Process process = session.exec(UploadPackExchange.COMMAND, Clients.GIT_TIMEOUT_SECONDS);
        UploadPackExchange.readAdvertisement(process.getInputStream());
        return new HeldChannel(session, process);
      } catch (Exception e) {
        session.disconnect();
        throw e;
      }
    }

    @Override
    public void close() {
      process.destroy();
      session.disconnect();
    }
  }
}
