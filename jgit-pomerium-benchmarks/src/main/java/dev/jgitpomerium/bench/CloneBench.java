package dev.jgitpomerium.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;

/**
 * The clone measure alone, for working on the data path: alternating direct and tunnelled clones
 * of the full repository, then the ratio of the medians and the CPU time of both JVMs, and the
 * client's CPU time by thread role. Not part of {@code bench.sh}'s report.
 *
 * <pre>
 * --rounds N       measured rounds each way (10); --warmups N (2)
 * --server-jvm S   extra options for the server's JVM, space-separated (a profiler's, say)
 * --only WAY       direct or tunnel only, to profile one of them (no ratio then)
 * --work-dir D     as Bench's ("target")
 * </pre>
 */
public final class CloneBench {
  private CloneBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Options.parse(args);
    int rounds = Integer.parseInt(options.getOrDefault("rounds", "10"));
    int warmups = Integer.parseInt(options.getOrDefault("warmups", "2"));
    String serverJvm = options.getOrDefault("server-jvm", "");
    String only = options.getOrDefault("only", "");
    Path work = Path.of(options.getOrDefault("work-dir", "target"));
    Path out = work.resolve("bench");
    Path clientDir = out.resolve("clone-client");
    BenchRepository.deleteRecursively(clientDir);
    Files.createDirectories(clientDir);
    Path clones = out.resolve("clones");
    Files.createDirectories(clones);
    ClientFiles files = new ClientFiles(clientDir);
    List<String> jvm =
        serverJvm.isBlank() ? List.of() : Arrays.asList(serverJvm.trim().split("\\s+"));
    ThreadCpu threads = new ThreadCpu();
    try (ServerProcess server =
        ServerProcess.start(
            work.resolve("bench-data"), files, RepositorySpec.FULL, Duration.ofMinutes(10), jvm)) {
      Clients clients =
          new Clients(files, server.sshPort(), server.gatewayUrl(), server.head());
      Map<Via, SshdSessionFactory> factories = new EnumMap<>(Via.class);
      Map<Via, List<double[]>> samples = new EnumMap<>(Via.class);
      try {
        for (Via via : Via.values()) {
          factories.put(via, clients.newFactory(via));
          samples.put(via, new ArrayList<>());
        }
        threads.start();
        for (int round = 0; round < warmups + rounds; round++) {
          Via[] order =
              round % 2 == 0
                  ? new Via[] {Via.DIRECT, Via.TUNNEL}
                  : new Via[] {Via.TUNNEL, Via.DIRECT};
          for (Via via : order) {
            if (!only.isEmpty() && !via.label().equals(only)) {
              continue;
            }
            Path dir = Files.createTempDirectory(clones, "clone-");
            try {
              if (round == warmups) {
                threads.reset();
              }
              threads.via = via;
              long serverBefore = server.stats().cpuNanos();
              long clientBefore = Cpu.processNanos();
              long start = System.nanoTime();
              clients.cloneWithoutCheckout(via, factories.get(via), dir);
              double seconds = (System.nanoTime() - start) / 1e9;
              double client = (Cpu.processNanos() - clientBefore) / 1e6;
              threads.sample();
              double serverCpu = (server.stats().cpuNanos() - serverBefore) / 1e6;
              System.err.printf(
                  Locale.ROOT,
                  "round %d %s: %.3f s, client %.0f ms, server %.0f ms CPU%n",
                  round,
                  via.label(),
                  seconds,
                  client,
                  serverCpu);
              if (round >= warmups) {
                samples.get(via).add(new double[] {seconds, client, serverCpu});
              }
            } finally {
              BenchRepository.deleteRecursively(dir);
            }
          }
        }
      } finally {
        threads.stop();
        factories.values().forEach(SshdSessionFactory::close);
      }
      report(samples, threads, rounds);
    } finally {
      BenchRepository.deleteRecursively(clientDir);
    }
    System.exit(0);
  }

  private static void report(Map<Via, List<double[]>> samples, ThreadCpu threads, int rounds) {
    if (samples.values().stream().anyMatch(List::isEmpty)) {
      return;
    }
    double[] d = medians(samples.get(Via.DIRECT));
    double[] t = medians(samples.get(Via.TUNNEL));
    System.out.printf(
        Locale.ROOT,
        "clone median: direct %.3f s, tunnel %.3f s, ratio %.3f%n"
            + "client CPU (mean): direct %.0f ms, tunnel %.0f ms (+%.0f)%n"
            + "server CPU (mean): direct %.0f ms, tunnel %.0f ms (+%.0f)%n",
        d[0], t[0], t[0] / d[0],
        d[1], t[1], t[1] - d[1],
        d[2], t[2], t[2] - d[2]);
    for (Via via : Via.values()) {
      System.out.println("client CPU per clone by thread, " + via.label() + " (ms):");
      threads.perRole(via).forEach(
          (role, nanos) -> {
            double ms = nanos / 1e6 / rounds;
            if (ms >= 1) {
              System.out.printf(Locale.ROOT, "  %-40s %7.0f%n", role, ms);
            }
          });
    }
  }

  /** Median wall time; mean CPU times (the OS counts them in ticks). */
  private static double[] medians(List<double[]> rows) {
    double[] wall = rows.stream().mapToDouble(r -> r[0]).sorted().toArray();
    double median =
        wall.length % 2 == 1
            ? wall[wall.length / 2]
            : (wall[wall.length / 2 - 1] + wall[wall.length / 2]) / 2;
    return new double[] {
      median,
      rows.stream().mapToDouble(r -> r[1]).average().orElse(0),
      rows.stream().mapToDouble(r -> r[2]).average().orElse(0)
    };
  }

  /**
   * CPU time per thread, sampled every 20 ms (threads of a clone end with it, so their last sample
   * counts), summed by role: the thread's name without its numbers.
   */
  private static final class ThreadCpu {
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final Map<Long, long[]> seen = new ConcurrentHashMap<>();
    private final Map<Long, String> names = new ConcurrentHashMap<>();
    private final Map<Via, Map<String, Long>> done = new EnumMap<>(Via.class);
    private volatile Via via = Via.DIRECT;
    private volatile boolean running;
    private Thread sampler;

    void start() {
      running = true;
      sampler = new Thread(() -> {
        while (running) {
          sample();
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "clone-bench-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    synchronized void sample() {
      for (long id : mx.getAllThreadIds()) {
        long cpu = mx.getThreadCpuTime(id);
        if (cpu < 0) {
          continue;
        }
        long[] cell = seen.computeIfAbsent(id, k -> new long[] {mx.getThreadUserTime(id), cpu});
        if (!names.containsKey(id)) {
          var info = mx.getThreadInfo(id);
          if (info != null) {
            names.put(id, info.getThreadName().replaceAll("[0-9a-f]*[0-9][0-9a-f]*", "#"));
          }
        }
        long delta = cpu - cell[1];
        cell[1] = cpu;
        long user = mx.getThreadUserTime(id);
        long userDelta = user - cell[0];
        cell[0] = user;
        if (delta > 0) {
          String name = names.getOrDefault(id, "?");
          done.computeIfAbsent(via, v -> new TreeMap<>()).merge(name, delta, Long::sum);
          done.computeIfAbsent(via, v -> new TreeMap<>())
              .merge(name + " (of which in the kernel)", delta - userDelta, Long::sum);
        }
      }
    }

    synchronized void reset() {
      done.clear();
    }

    synchronized Map<String, Long> perRole(Via v) {
      return done.getOrDefault(v, Map.of());
    }

    void stop() {
      running = false;
    }
  }
}
