package dev.jgitpomerium.bench;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.util.FS;

/** The measures, in order, against one running {@link BenchServer}. */
final class BenchRun {
  private static final long BATCH_TIMEOUT_SECONDS = 300;
  private static final long START_TIMEOUT_SECONDS = 60;
  private static final double KIB = 1024.0;
  static final String NO_DELAY = ", SSH with TCP_NODELAY";
  /** What the rows measured with the tunnel's connection reuse say; the others go without. */
  static final String REUSING = "tunnel reusing connections";

  private final Plan plan;
  private final Clients clients;
  private final ServerProcess server;
  private final Path clones;
  private final PrintStream progress;
  private final AtomicInteger tunnelled = new AtomicInteger();
  private final ProxyCommandMode proxyCommand;
  /** The reuse measures, and the gateway connections and operations they took: counted apart. */
  private final List<Alternation.Timing> reuseTimings = new ArrayList<>();
  private final AtomicInteger reusedOperations = new AtomicInteger();
  private int reuseGatewayConnections;
  private int reuseGatewayRequests;

  BenchRun(
      Plan plan,
      Clients clients,
      ServerProcess server,
      Path clones,
      PrintStream progress,
      ProxyCommandMode proxyCommand) {
    this.plan = plan;
    this.clients = clients;
    this.server = server;
    this.clones = clones;
    this.progress = progress;
    this.proxyCommand = proxyCommand;
  }

  Results run() throws Exception {
    ServerProcess.GatewayStats before = server.stats();
    List<Alternation.Timing> timings = new ArrayList<>();
    timings.add(cloneMeasure());
    timings.add(firstConnection(""));
    Measurement factoryBuild = factoryBuild();
    Map<Via, SshdSessionFactory> longLived = new EnumMap<>(Via.class);
    try {
      for (Via via : Via.values()) {
        longLived.put(via, clients.newFactory(via));
      }
      timings.add(repeated(longLived, ""));
      reuseTimings.add(reuseWindow(() -> sequentialWithReuse("")));
      timings.add(concurrent(longLived, "", true));
    } finally {
      longLived.values().forEach(SshdSessionFactory::close);
    }
    reuseTimings.add(reuseWindow(this::concurrentWithReuse));
    timings.addAll(withSshNoDelay());
    List<Measurement> resources = resources();
    Results.Reuse reuse =
        reuseWindow(this::reuseCosts).counted(reuseGatewayConnections, reusedOperations.get());
    ServerProcess.GatewayStats after = server.stats();
    Results.Handshakes handshakes = handshakes();
    // Last: its tunnels are not the library's, and must not count in the gateway figures above.
    List<Alternation.Timing> proxyCommandTimings = proxyCommandMode();
    return new Results(
        timings,
        factoryBuild,
        resources,
        handshakes,
        after.connections() - before.connections() - reuseGatewayConnections,
        after.requests() - before.requests() - reuseGatewayRequests,
        tunnelled.get(),
        proxyCommandTimings,
        reuse);
  }

  /**
   * The git command line through OpenSSH, straight to the server against the ProxyCommand started each way, one
   * alternation per way; the first runs (which make the class-data archives) are outside the timings.
   */
  private List<Alternation.Timing> proxyCommandMode() throws Exception {
    proxyCommand.prepare();
    List<Alternation.Timing> timings = new ArrayList<>();
    for (ProxyCommandMode.Variant variant : proxyCommand.variants()) {
      timings.add(
          section(
              "git ls-remote with OpenSSH, ProxyCommand " + variant.name(),
              "ms",
              plan.proxyCommandWarmups(),
              plan.proxyCommandRounds(),
              via ->
                  timed(
                      1,
                      () -> {
                        if (via == Via.DIRECT) {
                          proxyCommand.lsRemoteDirect(variant);
                        } else {
                          proxyCommand.lsRemote(variant);
                        }
                      })));
    }
    proxyCommand.stopMasters();
    return timings;
  }

  /**
   * Runs a measure of the tunnel with connection reuse, whose operations do not each make a
   * connection: its gateway connections are counted apart, so that the handshakes per tunnelled
   * connection of the other measures stay exact.
   */
  private <T> T reuseWindow(java.util.concurrent.Callable<T> measure) throws Exception {
    ServerProcess.GatewayStats before = server.stats();
    try {
      return measure.call();
    } finally {
      ServerProcess.GatewayStats after = server.stats();
      reuseGatewayConnections += after.connections() - before.connections();
      reuseGatewayRequests += after.requests() - before.requests();
    }
  }

  /**
   * Many ls-remotes one after another on a new factory (built and closed outside the timed part):
   * stock JGit sets up a connection for each, the tunnel one for all.
   */
  private Alternation.Timing sequentialWithReuse(String variant) throws Exception {
    int n = plan.sequentialOperations();
    return section(
        n + " ls-remotes one after another" + variant + ", " + REUSING + " (new factory each run)",
        "s",
        plan.sequentialWarmups(),
        plan.sequentialRounds(),
        via -> {
          SshdSessionFactory factory = clients.newReusingFactory(via);
          try {
            countReused(via, n);
            return timed(
                1000,
                () -> {
                  for (int i = 0; i < n; i++) {
                    clients.lsRemote(via, factory);
                  }
                });
          } finally {
            factory.close();
          }
        });
  }

  /**
   * Concurrent ls-remotes on one long-lived factory per client, the tunnel's sharing its
   * connections: the first batch opens them (a connection takes 10 channels), later ones find them
   * open, as a server refreshing many repositories from one host would.
   */
  private Alternation.Timing concurrentWithReuse() throws Exception {
    Map<Via, SshdSessionFactory> factories = new EnumMap<>(Via.class);
    try {
      for (Via via : Via.values()) {
        factories.put(via, clients.newReusingFactory(via));
      }
      return concurrent(factories, ", " + REUSING, false);
    } finally {
      factories.values().forEach(SshdSessionFactory::close);
    }
  }

  /** Threads per idle connection and per channel, and heap over many operations, with reuse. */
  private Results.Reuse reuseCosts() throws Exception {
    long start = System.nanoTime();
    ReuseProbe probe = new ReuseProbe(clients, server);
    int n = plan.openSessions();
    int k = plan.reuseExtraChannels();
    List<Double> threadsIdle = new ArrayList<>();
    List<Double> heapIdle = new ArrayList<>();
    List<Integer> idleGateway = new ArrayList<>();
    List<Double> threadsChannel = new ArrayList<>();
    List<Integer> channelGateway = new ArrayList<>();
    Map<String, Integer> families = Map.of();
    for (int round = 0; round < plan.resourceRounds(); round++) {
      ReuseProbe.Idle idle = probe.idleConnections(n);
      threadsIdle.add(idle.threadsPerConnection());
      heapIdle.add(idle.heapPerConnectionBytes() / KIB);
      idleGateway.add(idle.gatewayConnections());
      families = idle.added();
      reusedOperations.addAndGet(n + 1);
      ReuseProbe.Channels channels = probe.channels(k);
      threadsChannel.add(channels.threadsPerChannel());
      channelGateway.add(channels.gatewayConnections());
      reusedOperations.addAndGet(k + 1);
    }
    int first = plan.reuseHeapFirstOperations();
    int total = plan.reuseHeapOperations();
    ReuseProbe.Growth growth = probe.heapGrowth(first, total);
    reusedOperations.addAndGet(total);
    progress.printf(
        Locale.ROOT,
        "  reuse: %s threads per idle connection (%d idle, added: %s); %s threads per channel "
            + "beside the first (%d); heap %s KiB per ls-remote from the %dth to the %dth (%d "
            + "gateway connection(s)); %.0f s%n",
        Report.number(new Samples(threadsIdle).median()),
        n,
        families,
        Report.number(new Samples(threadsChannel).median()),
        k,
        Report.number(growth.bytesPerOperation() / KIB),
        first,
        total,
        growth.gatewayConnections(),
        (System.nanoTime() - start) / 1e9);
    return new Results.Reuse(
        List.copyOf(reuseTimings),
        new Samples(threadsIdle),
        new Samples(heapIdle),
        n,
        idleGateway,
        families,
        new Samples(threadsChannel),
        k,
        channelGateway,
        growth,
        first,
        total,
        0,
        0); // counted once its window has closed
  }

  private Alternation.Timing cloneMeasure() throws Exception {
    Files.createDirectories(clones);
    Map<Via, SshdSessionFactory> factories = new EnumMap<>(Via.class);
    try {
      for (Via via : Via.values()) {
        factories.put(via, clients.newFactory(via));
      }
      String name =
          String.format(
              Locale.ROOT,
              "clone, %.1f MiB pack, %d commits (no checkout)",
              server.packBytes() / KIB / KIB,
              plan.repository().commits());
      return section(
          name,
          "s",
          plan.cloneWarmups(),
          plan.cloneRounds(),
          via -> {
            // A fresh directory each time, deleted outside the timed part.
            Path dir = Files.createTempDirectory(clones, "clone-");
            try {
              count(via, 1);
              return timed(1000, () -> clients.cloneWithoutCheckout(via, factories.get(via), dir));
            } finally {
              BenchRepository.deleteRecursively(dir);
            }
          });
    } finally {
      factories.values().forEach(SshdSessionFactory::close);
    }
  }
  /**
   * Connection set-up again with TCP_NODELAY on both SSH ends (JGit's client here, the SSH server
   * there), which neither sets by default: with Nagle's algorithm and delayed ACKs, stalls of
   * tens of milliseconds dominate an ls-remote on loopback and hide what the tunnel itself adds.
   */
  private List<Alternation.Timing> withSshNoDelay() throws Exception {
    String variant = NO_DELAY;
    server.sshNoDelay(true);
    SshNoDelay.set(true);
    Map<Via, SshdSessionFactory> factories = new EnumMap<>(Via.class);
    try {
      List<Alternation.Timing> timings = new ArrayList<>();
      timings.add(firstConnection(variant));
      for (Via via : Via.values()) {
        factories.put(via, clients.newFactory(via));
      }
      timings.add(repeated(factories, variant));
      reuseTimings.add(reuseWindow(() -> sequentialWithReuse(variant)));
      timings.add(exchanges(factories, variant));
      return timings;
    } finally {
      factories.values().forEach(SshdSessionFactory::close);
      SshNoDelay.set(false);
      server.sshNoDelay(false);
    }
  }

  /** A fresh factory per call: a new sshd client, and for the tunnel a new TLS context. */
  private Alternation.Timing firstConnection(String variant) throws Exception {
    return section(
        "ls-remote, first connection" + variant + " (new factory each)",
        "ms",
        plan.firstConnectionWarmups(),
        plan.firstConnectionRounds(),
        via -> {
          SshdSessionFactory factory = clients.newFactory(via);
          try {
            count(via, 1);
            return timed(1, () -> clients.lsRemote(via, factory));
          } finally {
            factory.close();
          }
        });
  }

  private Measurement factoryBuild() throws Exception {
    return section(
        "build a factory (not part of the timings above)",
        "ms",
        plan.firstConnectionWarmups(),
        plan.firstConnectionRounds(),
        via -> {
          long start = System.nanoTime();
          SshdSessionFactory factory = clients.newFactory(via);
          double millis = Alternation.millisSince(start);
          factory.close();
          return new Alternation.Sample(millis, 0, 0);
        }).wall();
  }

  private Alternation.Timing repeated(Map<Via, SshdSessionFactory> factories, String variant)
      throws Exception {
    return section(
        "ls-remote, repeated" + variant + " (one factory)",
        "ms",
        plan.repeatedWarmups(),
        plan.repeatedRounds(),
        via -> {
          count(via, 1);
          return timed(1, () -> clients.lsRemote(via, factories.get(via)));
        });
  }

  /** git-upload-pack exchanges on one session per client, opened beforehand. */
  private Alternation.Timing exchanges(Map<Via, SshdSessionFactory> factories, String variant)
      throws Exception {
    Map<Via, UploadPackExchange> exchanges = new EnumMap<>(Via.class);
    try {
      for (Via via : Via.values()) {
        count(via, 1);
        RemoteSession session =
            factories
                .get(via)
                .getSession(
                    new URIish(clients.url(via)),
                    null,
                    FS.DETECTED,
                    Clients.GIT_TIMEOUT_SECONDS * 1000);
        exchanges.put(via, new UploadPackExchange(session));
      }
      return section(
          "upload-pack exchange on an open session" + variant,
          "ms",
          plan.repeatedWarmups(),
          plan.repeatedRounds(),
          via -> timed(1, () -> exchanges.get(via).run()));
    } finally {
      exchanges.values().forEach(UploadPackExchange::close);
    }
  }

  /**
   * @param oneConnectionEach whether every ls-remote is a tunnelled connection of its own (no
   *     reuse), else its operations are counted apart
   */
  private Alternation.Timing concurrent(
      Map<Via, SshdSessionFactory> factories, String variant, boolean oneConnectionEach)
      throws Exception {
    int n = plan.concurrency();
    AtomicInteger ids = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            n,
            r -> {
              Thread t = new Thread(r, "bench-concurrent-" + ids.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      return section(
          n + " concurrent ls-remotes" + variant + " (wall time per batch)",
          "ms",
          plan.concurrentWarmups(),
          plan.concurrentBatches(),
          via -> batch(via, factories.get(via), pool, n, oneConnectionEach));
    } finally {
      pool.shutdownNow();
      if (!pool.awaitTermination(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        progress.println("warning: concurrent ls-remote threads did not end");
      }
    }
  }

  /** Starts {@code n} ls-remotes at once (all threads ready first); the time until all are done. */
  private Alternation.Sample batch(
      Via via, SshdSessionFactory factory, ExecutorService pool, int n, boolean oneConnectionEach)
      throws Exception {
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> calls = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        calls.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  if (!go.await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new TimeoutException("the batch never started");
                  }
                  clients.lsRemote(via, factory);
                  return null;
                }));
      }
      if (!ready.await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new TimeoutException("the batch's threads did not start");
      }
      if (oneConnectionEach) {
        count(via, n);
      } else {
        countReused(via, n);
      }
      return timed(
          1,
          () -> {
            go.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BATCH_TIMEOUT_SECONDS);
            for (Future<?> call : calls) {
              call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
          });
    } finally {
      calls.forEach(call -> call.cancel(true));
    }
  }

  /** Threads and heap per open session and after close, round after round, both ways. */
  private List<Measurement> resources() throws Exception {
    ResourceProbe probe = new ResourceProbe(clients);
    int n = plan.openSessions();
    Map<Via, List<ResourceProbe.PerSession>> results = new EnumMap<>(Via.class);
    for (Via via : Via.values()) {
      results.put(via, new ArrayList<>());
    }
    long start = System.nanoTime();
    for (int round = 0; round < plan.resourceRounds(); round++) {
      Via[] order =
          round % 2 == 0 ? new Via[] {Via.DIRECT, Via.TUNNEL} : new Via[] {Via.TUNNEL, Via.DIRECT};
      for (Via via : order) {
        count(via, n + 1);
        results.get(via).add(probe.measure(via, n));
      }
    }
    List<Measurement> measurements = new ArrayList<>();
    measurements.add(
        resource(results, "threads per open session", "", ResourceProbe.PerSession::threadsOpen));
    measurements.add(
        resource(
            results, "heap per open session", "KiB", p -> p.heapOpenBytes() / KIB));
    measurements.add(
        resource(
            results,
            "threads left per connection after close",
            "",
            ResourceProbe.PerSession::threadsLeft));
    measurements.add(
        resource(
            results,
            "heap left per connection after close",
            "KiB",
            p -> p.heapLeftBytes() / KIB));
    Map<Via, Double> leftAfterMany = new EnumMap<>(Via.class);
    for (Via via : Via.values()) {
      count(via, plan.longRunConnections() + 1);
      leftAfterMany.put(via, probe.heapLeftAfterManyBytes(via, plan.longRunConnections()) / KIB);
    }
    measurements.add(
        new Measurement(
            "heap left after " + plan.longRunConnections() + " connections one after another, in all",
            "KiB",
            new Samples(List.of(leftAfterMany.get(Via.DIRECT))),
            new Samples(List.of(leftAfterMany.get(Via.TUNNEL)))));
    progress.printf(
        Locale.ROOT,
        "  %d sessions held open, %d round(s) each way, in %.0f s%n",
        n,
        plan.resourceRounds(),
        (System.nanoTime() - start) / 1e9);
    return measurements;
  }

  private static Measurement resource(
      Map<Via, List<ResourceProbe.PerSession>> results,
      String name,
      String unit,
      java.util.function.ToDoubleFunction<ResourceProbe.PerSession> value) {
    return new Measurement(
        name,
        unit,
        new Samples(results.get(Via.DIRECT).stream().map(value::applyAsDouble).toList()),
        new Samples(results.get(Via.TUNNEL).stream().map(value::applyAsDouble).toList()));
  }

  /** The TLS yardstick, then whether the library's tunnels resume sessions. */
  private Results.Handshakes handshakes() throws Exception {
    TlsProbe probe = new TlsProbe(clients.gatewayUrl(), clients.caCertificate());
    int warmups = plan.handshakeWarmups();
    int rounds = plan.handshakeRounds();

    List<Double> full = new ArrayList<>();
    for (int i = 0; i < warmups + rounds; i++) {
      SSLContext fresh = probe.newContext();
      TlsProbe.Handshake h = probe.handshake(fresh);
      if (i >= warmups) {
        full.add(h.millis());
      }
    }

    SSLContext shared = probe.newContext();
    probe.handshake(shared); // full; leaves a session to resume
    List<Double> resumed = new ArrayList<>();
    int resumedCount = 0;
    for (int i = 0; i < warmups + rounds; i++) {
      TlsProbe.Handshake h = probe.handshake(shared);
      if (i >= warmups) {
        resumed.add(h.millis());
        resumedCount += h.resumed() ? 1 : 0;
      }
    }

    List<Double> fresh = new ArrayList<>();
    int freshResumed = 0;
    for (int i = 0; i < warmups + rounds; i++) {
      try (PomeriumSshSessionFactory factory = clients.newTunnelFactory(false)) {
        TlsProbe.Handshake h = TlsProbe.openTunnel(factory);
        if (i >= warmups) {
          fresh.add(h.millis());
          freshResumed += h.resumed() ? 1 : 0;
        }
      }
    }

    List<Double> reused = new ArrayList<>();
    int reusedResumed = 0;
    try (PomeriumSshSessionFactory factory = clients.newTunnelFactory(false)) {
      // A git connection first: the tunnels below can only resume what it left in the cache.
      clients.lsRemote(Via.TUNNEL, factory);
      for (int i = 0; i < warmups + rounds; i++) {
        TlsProbe.Handshake h = TlsProbe.openTunnel(factory);
        if (i >= warmups) {
          reused.add(h.millis());
          reusedResumed += h.resumed() ? 1 : 0;
        }
      }
    }
    // What plain JSSE keeps reachable per handshake through one context, for comparison with the
    // heap a closed tunnel leaves behind.
    SSLContext kept = probe.newContext();
    probe.handshake(kept);
    ResourceProbe.Snapshot keptBefore = ResourceProbe.snapshot();
    for (int i = 0; i < plan.retentionHandshakes(); i++) {
      probe.handshake(kept);
    }
    ResourceProbe.Snapshot keptAfter = ResourceProbe.snapshot();
    double keptPerHandshake =
        (keptAfter.heapBytes() - keptBefore.heapBytes()) / (double) plan.retentionHandshakes();

    progress.printf(
        Locale.ROOT,
        "  TLS: full %.1f ms, resumed %.1f ms (%d/%d resumed); library tunnels resumed: "
            + "fresh factory %d/%d, reused factory %d/%d%n",
        new Samples(full).median(),
        new Samples(resumed).median(),
        resumedCount,
        rounds,
        freshResumed,
        rounds,
        reusedResumed,
        rounds);
    return new Results.Handshakes(
        new Samples(full),
        new Samples(resumed),
        resumedCount,
        new Samples(fresh),
        freshResumed,
        new Samples(reused),
        reusedResumed,
        keptPerHandshake,
        plan.retentionHandshakes());
  }

  /** Something to time. */
  @FunctionalInterface
  private interface Body {
    void run() throws Exception;
  }

  /**
   * Runs {@code body}, timing it on the wall clock (divided by {@code divisor}: 1 for ms, 1000 for
   * s) and in the CPU time of both JVMs; the server is asked for its CPU time outside the timed
   * part.
   */
  private Alternation.Sample timed(double divisor, Body body) throws Exception {
    long serverBefore = server.stats().cpuNanos();
    long clientBefore = Cpu.processNanos();
    long start = System.nanoTime();
    body.run();
    double millis = Alternation.millisSince(start);
    long clientAfter = Cpu.processNanos();
    long serverAfter = server.stats().cpuNanos();
    return new Alternation.Sample(
        millis / divisor, (clientAfter - clientBefore) / 1e6, (serverAfter - serverBefore) / 1e6);
  }

  private Alternation.Timing section(
      String name, String unit, int warmups, int rounds, Alternation.Operation operation)
      throws Exception {
    long start = System.nanoTime();
    Alternation.Timing timing = Alternation.measure(name, unit, warmups, rounds, operation);
    Measurement m = timing.wall();
    progress.printf(
        Locale.ROOT,
        "  %s: direct %s, tunnel %s %s (%d+%d rounds, %.0f s)%n",
        name,
        Report.number(m.direct().median()),
        Report.number(m.tunnel().median()),
        unit,
        warmups,
        rounds,
        (System.nanoTime() - start) / 1e9);
    return timing;
  }

  /**
   * {@code connections} tunnelled SSH connections, one per operation: for the tunnel without
   * reuse, whose gateway connections are set against them.
   */
  private void count(Via via, int connections) {
    if (via == Via.TUNNEL) {
      tunnelled.addAndGet(connections);
    }
  }

  /** {@code operations} through the tunnel with reuse, which take fewer connections. */
  private void countReused(Via via, int operations) {
    if (via == Via.TUNNEL) {
      reusedOperations.addAndGet(operations);
    }
  }
}
