package dev.jgitpomerium.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark harness: starts {@link BenchServer} in its own JVM, measures git over direct SSH
 * and through the Pomerium tunnel in alternating rounds, and reports medians, spread and the
 * tunnel/direct ratio as a console table, {@code bench/results.md} and {@code bench/benchmarks.png}
 * under the work directory.
 *
 * <pre>
 * --quick        tiny repository, one round of each: a smoke run for CI
 * --write-docs   also put the results and the chart into the docs directory (full runs only)
 * --work-dir D   where the repository cache (bench-data) and the results (bench) go; "target"
 * --docs-dir D   the docs directory for --write-docs; "docs"
 * --cli-jar F    the command line's jgit-pomerium.jar, with the jgit-pomerium launcher beside it;
 *                "sample-app/target/jgit-pomerium.jar"
 * </pre>
 */
public final class Bench {
  private static final Set<String> OPTIONS =
      Set.of("quick", "write-docs", "work-dir", "docs-dir", "help", "cli-jar");

  private Bench() {}

  public static void main(String[] args) throws Exception {
    // Before any AWT class loads: the chart is drawn without a display.
    System.setProperty("java.awt.headless", "true");
    Map<String, String> options;
    try {
      options = Options.parse(args);
      for (String name : options.keySet()) {
        if (!OPTIONS.contains(name)) {
          throw new IllegalArgumentException("unknown option --" + name);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      usage(System.err);
      System.exit(2);
      return;
    }
    if (options.containsKey("help")) {
      usage(System.out);
      return;
    }
    boolean quick = options.containsKey("quick");
    boolean writeDocs = options.containsKey("write-docs");
    if (quick && writeDocs) {
      System.err.println("bench: --write-docs takes a full run's figures, not --quick ones");
      System.exit(2);
    }
    Path work = Path.of(options.getOrDefault("work-dir", "target"));
    Path docs = Path.of(options.getOrDefault("docs-dir", "docs"));
    Path cliJar = Path.of(options.getOrDefault("cli-jar", "sample-app/target/jgit-pomerium.jar"));
    Path launcher = cliJar.resolveSibling("jgit-pomerium");
    if (!Files.isRegularFile(cliJar) || !Files.isExecutable(launcher)) {
      System.err.println(
          "bench: no " + cliJar + " with an executable " + launcher + " beside it (bench.sh builds them)");
      System.exit(2);
    }
    if (writeDocs && !Files.isRegularFile(docs.resolve(Docs.MARKDOWN))) {
      System.err.println("bench: no " + docs.resolve(Docs.MARKDOWN) + " to write into");
      System.exit(2);
    }
    // sshd's NIO2 threads can race a client's close (seen on direct connections too): one line,
    // not a stack trace in the middle of the progress output; the measures fail on their own.
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> System.err.println("bench: uncaught in " + thread.getName() + ": " + e));
    try {
      run(quick ? Plan.QUICK : Plan.FULL, work, writeDocs ? docs : null, cliJar, launcher);
    } catch (Exception e) {
      System.err.println("bench: failed");
      e.printStackTrace();
      System.exit(1);
    }
    // Whatever a library left running must not keep the harness alive; the server goes with it.
    System.exit(0);
  }

  private static void run(Plan plan, Path work, Path docs, Path cliJar, Path launcher)
      throws Exception {
    long start = System.nanoTime();
    String loadBefore = Machine.loadAverage();
    PrintStream progress = System.err;
    Path out = work.resolve("bench");
    Path clientDir = out.resolve("client");
    BenchRepository.deleteRecursively(clientDir);
    Files.createDirectories(clientDir);
    ClientFiles files = new ClientFiles(clientDir);

    progress.printf(
        "bench: %s run; starting the server JVM (generating the repository if it is not cached)%n",
        plan.name());
    Report report;
    Path cache = work.resolve("bench-data");
    try (ServerProcess server =
        ServerProcess.start(cache, files, plan.repository(), plan.readyTimeout())) {
      Clients clients = new Clients(files, server.sshPort(), server.gatewayUrl(), server.head());
      ProxyCommandMode proxyCommand =
          new ProxyCommandMode(
              files,
              server.sshPort(),
              server.gatewayUrl(),
              server.head(),
              cliJar,
              launcher,
              plan.proxyCommandEveryVariant());
      Results results =
          new BenchRun(plan, clients, server, out.resolve("clones"), progress, proxyCommand).run();
      Map<String, String> machine = Machine.describe();
      // Taken before the server started: other work on the machine, not the benchmark's own.
      machine.put("load average (1 min) before the run", loadBefore);
      report =
          new Report(
              plan,
              results,
              machine,
              plan.repository().commits(),
              server.packBytes(),
              server.generated(),
              Duration.ofNanos(System.nanoTime() - start));
    } finally {
      BenchRepository.deleteRecursively(clientDir);
    }

    System.out.println();
    System.out.print(report.text());
    System.out.flush();
    Path markdown = out.resolve("results.md");
    Files.writeString(
        markdown,
        "# jgit-pomerium benchmark results\n\n" + report.markdown(Docs.CHART),
        StandardCharsets.UTF_8);
    Path chart = out.resolve(Docs.CHART);
    Chart.write(report.charted(), report.chartSubtitle(), chart);
    progress.println("bench: wrote " + markdown + " and " + chart);
    if (docs != null) {
      Docs.update(docs, report.markdown(Docs.CHART), chart);
      progress.println("bench: updated " + docs.resolve(Docs.MARKDOWN) + " and its chart");
    }
  }

  private static void usage(PrintStream out) {
    out.println(
        "usage: bench.sh [--quick] [--write-docs] [--work-dir DIR] [--docs-dir DIR] [--cli-jar FILE]\n"
            + "  --quick        tiny repository and one round of each measure (a smoke run)\n"
            + "  --write-docs   also update benchmarks.md and benchmarks.png in the docs directory\n"
            + "  --work-dir DIR  repository cache and results (default: target)\n"
            + "  --docs-dir DIR  the docs directory (default: docs)\n"
            + "  --cli-jar FILE  jgit-pomerium.jar, the launcher jgit-pomerium beside it (default:\n"
            + "                  sample-app/target/jgit-pomerium.jar)");
  }
}
