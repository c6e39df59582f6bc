package dev.jgitpomerium.bench;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The run's figures as tables (plain text for the console, Markdown for the docs) and targets. */
final class Report {
  /** A tunnelled clone may take at most this much longer than a direct one. */
  static final double CLONE_RATIO_TARGET = 1.05;

  static final double THREADS_PER_TUNNEL_TARGET = 2;
  static final double HEAP_PER_TUNNEL_TARGET_KIB = 256;

  /** git ls-remote through OpenSSH and the recommended ProxyCommand, at most this × OpenSSH straight. */
  static final double PROXY_COMMAND_RATIO_TARGET = 1.5;

  private static final String PROXY_COMMAND_NOTE =
      "The git command line through OpenSSH: git ls-remote straight to the SSH server against through the "
          + "gateway with jgit-pomerium's tcp --listen - as ProxyCommand, a new JVM per connection (median and "
          + "spread, ms)";
  /** Sequential ls-remotes through the tunnel with reuse, against stock JGit direct (issue #15). */
  static final double SEQUENTIAL_REUSE_RATIO_TARGET = 1.0 / 3;
  static final double THREADS_PER_IDLE_CONNECTION_TARGET = 2;
  /**
   * What "heap flat" tolerates over many operations on one reusing factory, in KiB per operation:
   * far below what one operation's leftovers would weigh (a JGit session, a channel, their
   * streams: several KiB), above the noise of a heap reading after full collections (some tens of
   * KiB in all, spread over the operations).
   */
  static final double HEAP_GROWTH_PER_OPERATION_BOUND_KIB = 0.25;

  private static final String TIMINGS_NOTE =
      "median and spread; tunnel/direct is the ratio of the medians. The tunnel sets up a connection "
          + "for every operation (`noConnectionReuse()`), as stock JGit does, except in the rows that say \""
          + BenchRun.REUSING
          + "\": there it is as the library comes, sharing one SSH connection per destination, "
          + "against stock JGit, which cannot";

  /**
   * How many TLS handshakes the library makes with one TLS context before it starts a fresh one (its {@code
   * TlsSetup}, not public API). Should the library change it, the resumption target below shows a renewal too many
   * or too few.
   */
  static final int LIBRARY_HANDSHAKES_PER_CONTEXT = 256;

  /**
   * What "nothing left" tolerates after a long run of connections, in KiB: JDK 17 keeps each TLS 1.3
   * session of a chain of resumptions (about half a KiB) until the library renews its TLS context,
   * so at most one context's worth, however many connections came before.
   */
  static final double HEAP_LEFT_BOUND_KIB = LIBRARY_HANDSHAKES_PER_CONTEXT * 0.5;

  /** Means, not medians: the OS counts process CPU time in 10 ms ticks, which means average out. */
  private static final String CPU_NOTE =
      "CPU time per run, means: the harness's JVM (the client) and the server's JVM (SSH server "
          + "and gateway), all threads";

  private final Plan plan;
  private final Results results;
  private final Map<String, String> machine;
  private final int commits;
  private final long packBytes;
  private final boolean generated;
  private final Duration elapsed;
  private final ZonedDateTime finished = ZonedDateTime.now(ZoneOffset.UTC);

  Report(
      Plan plan,
      Results results,
      Map<String, String> machine,
      int commits,
      long packBytes,
      boolean generated,
      Duration elapsed) {
    this.plan = plan;
    this.results = results;
    this.machine = machine;
    this.commits = commits;
    this.packBytes = packBytes;
    this.generated = generated;
    this.elapsed = elapsed;
  }

  String command() {
    return plan == Plan.QUICK ? "./bench.sh --quick" : "./bench.sh";
  }

  /** The console version. */
  String text() {
    StringBuilder out = new StringBuilder();
    out.append(summary()).append("\n\n");
    out.append("Timings (").append(TIMINGS_NOTE).append(")\n");
    out.append(timingTable().text()).append('\n');
    out.append(CPU_NOTE).append('\n');
    out.append(cpuTable().text()).append('\n');
    out.append("Cost per open SSH session (").append(resourcesNote()).append(")\n");
    out.append(resourceTable().text()).append('\n');
    out.append("Connection reuse (").append(reuseNote()).append(")\n");
    out.append(reuseTable().text()).append('\n');
    out.append(reuseThreadsNote()).append("\n\n");
    out.append("TLS and connection set-up\n");
    out.append(tlsTable().text()).append('\n');
    out.append(PROXY_COMMAND_NOTE).append('\n');
    out.append(proxyCommandTable().text()).append('\n');
    out.append("Targets\n");
    out.append(targetTable().text()).append('\n');
    out.append("Machine\n");
    out.append(machineTable().text());
    return out.toString();
  }

  /** The Markdown body: the same tables, then the chart, for results.md and the docs. */
  String markdown(String chartFile) {
    StringBuilder out = new StringBuilder();
    out.append(summary()).append("\n\n");
    out.append("**Timings** (").append(TIMINGS_NOTE).append(")\n\n");
    out.append(timingTable().markdown()).append('\n');
    out.append("**").append(CPU_NOTE).append("**\n\n");
    out.append(cpuTable().markdown()).append('\n');
    out.append("**Cost per open SSH session** (").append(resourcesNote()).append(")\n\n");
    out.append(resourceTable().markdown()).append('\n');
    out.append("**Connection reuse** (").append(reuseNote()).append(")\n\n");
    out.append(reuseTable().markdown()).append('\n');
    out.append(reuseThreadsNote()).append("\n\n");
    out.append("**TLS and connection set-up**\n\n");
    out.append(tlsTable().markdown()).append('\n');
    out.append("**").append(PROXY_COMMAND_NOTE).append("**\n\n");
    out.append(proxyCommandTable().markdown()).append('\n');
    out.append("**Targets**\n\n");
    out.append(targetTable().markdown()).append('\n');
    out.append("**Machine**\n\n");
    out.append(machineTable().markdown()).append('\n');
    out.append("![direct SSH and through Pomerium: medians with their spread](")
        .append(chartFile)
        .append(")\n");
    return out.toString();
  }

  private String summary() {
    return String.format(
        Locale.ROOT,
        "%s run of `%s`, finished %s, took %s. Repository: %d commits, pack %.1f MiB (%s).",
        plan == Plan.QUICK ? "A quick" : "A full",
        command(),
        finished.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)),
        minutes(elapsed),
        commits,
        packBytes / 1024.0 / 1024.0,
        generated ? "generated by this run" : "from the cache");
  }

  private String resourcesNote() {
    return String.format(
        Locale.ROOT,
        "%d sessions held open at once, median of %d round(s) each way; heap is what stays "
            + "reachable after full collections",
        plan.openSessions(),
        plan.resourceRounds());
  }

  Table timingTable() {
    Table table =
        new Table("measure", "n", "direct", "tunnel", "tunnel/direct", "tunnel − direct");
    for (Alternation.Timing t : allTimings()) {
      timingRow(table, t.wall());
    }
    timingRow(table, results.factoryBuild());
    return table;
  }

  /** The like-for-like timings, then those of the tunnel with reuse. */
  private List<Alternation.Timing> allTimings() {
    List<Alternation.Timing> all = new java.util.ArrayList<>(results.timings());
    all.addAll(results.reuse().timings());
    return all;
  }

  private static void timingRow(Table table, Measurement m) {
    table.row(
        m.name() + " (" + m.unit() + ")",
        Integer.toString(m.direct().count()),
        withSpread(m.direct()),
        withSpread(m.tunnel()),
        String.format(Locale.ROOT, "%.2f", m.ratio()),
        signed(m.difference()) + " " + m.unit());
  }

  /** Where the time goes: CPU of the client's JVM (what the library costs) and the server's. */
  Table cpuTable() {
    Table table =
        new Table(
            "CPU time per run (ms)",
            "client: direct",
            "client: tunnel",
            "client: tunnel − direct",
            "server: direct",
            "server: tunnel",
            "server: tunnel − direct");
    for (Alternation.Timing t : allTimings()) {
      Measurement client = t.clientCpu();
      Measurement server = t.serverCpu();
      table.row(
          t.wall().name(),
          number(client.direct().mean()),
          number(client.tunnel().mean()),
          signed(client.tunnel().mean() - client.direct().mean()),
          number(server.direct().mean()),
          number(server.tunnel().mean()),
          signed(server.tunnel().mean() - server.direct().mean()));
    }
    return table;
  }

  Table resourceTable() {
    Table table = new Table("", "direct", "tunnel", "tunnel − direct (the tunnel's own cost)");
    for (Measurement m : results.resources()) {
      String unit = m.unit().isEmpty() ? "" : " (" + m.unit() + ")";
      table.row(
          m.name() + unit,
          number(m.direct().median()),
          number(m.tunnel().median()),
          signed(m.difference()));
    }
    return table;
  }

  private String reuseNote() {
    return String.format(
        Locale.ROOT,
        "the tunnel as the library comes, sharing one SSH connection per destination; stock JGit has "
            + "nothing to compare; median of %d round(s), a new factory each; heap is what stays reachable "
            + "after full collections",
        plan.resourceRounds());
  }

  Table reuseTable() {
    Results.Reuse r = results.reuse();
    Table table = new Table("", "tunnel", "spread", "gateway connections");
    table.row(
        "threads per idle kept connection (" + r.idleConnections() + " users, a connection each)",
        number(r.threadsPerIdleConnection().median()),
        spread(r.threadsPerIdleConnection()),
        perRound(r.idleGatewayConnections()));
    table.row(
        "heap per idle kept connection (KiB)",
        number(r.heapPerIdleConnectionKiB().median()),
        spread(r.heapPerIdleConnectionKiB()),
        "as above");
    table.row(
        "threads per open channel beside the first on one connection ("
            + r.extraChannels()
            + " channels, git-upload-pack held open)",
        number(r.threadsPerChannel().median()),
        spread(r.threadsPerChannel()),
        perRound(r.channelGatewayConnections()));
    ReuseProbe.Growth g = r.heapGrowth();
    table.row(
        String.format(
            Locale.ROOT,
            "heap growth per ls-remote from after the %d first to after %d, one factory (KiB)",
            r.heapFirstOperations(),
            r.heapOperations()),
        number(g.bytesPerOperation() / 1024.0),
        signed(g.bytesInAll() / 1024.0) + " KiB in all",
        Integer.toString(g.gatewayConnections()));
    table.row(
        "tunnelled operations with reuse in this run",
        Integer.toString(r.operations()),
        String.format(
            Locale.ROOT, "%.1f operations per connection", r.operations() / (double) r.gatewayConnections()),
        Integer.toString(r.gatewayConnections()));
    return table;
  }

  private String reuseThreadsNote() {
    Results.Reuse r = results.reuse();
    StringBuilder families = new StringBuilder();
    r.idleThreadFamilies()
        .forEach(
            (name, count) ->
                families
                    .append(families.length() == 0 ? "" : ", ")
                    .append('`')
                    .append(name)
                    .append("` ")
                    .append(signed(count / (double) r.idleConnections()).replaceAll("\\.00$", "")));
    return "Threads per idle connection by name (numbers shown as #), last round: "
        + (families.length() == 0 ? "none" : families);
  }

  private static String perRound(List<Integer> values) {
    return values.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
        + (values.size() > 1 ? " (per round)" : "");
  }

  Table tlsTable() {
    Results.Handshakes h = results.handshakes();
    int n = h.full().count();
    Table table = new Table("", "median (ms)", "spread (ms)", "TLS sessions resumed");
    tlsRow(
        table, "TLS handshake with the gateway, full (plain JSSE, new context)", h.full(), "—");
    tlsRow(
        table,
        "TLS handshake, same context again",
        h.resumed(),
        h.resumedCount() + " of " + n);
    tlsRow(
        table,
        "`openTunnel()` on a new factory (TCP, TLS, CONNECT)",
        h.openTunnelFresh(),
        h.openTunnelFreshResumed() + " of " + n);
    tlsRow(
        table,
        "`openTunnel()` on a factory that made a git connection before",
        h.openTunnelReused(),
        h.openTunnelReusedResumed() + " of " + n);
    table.row(
        "heap kept per handshake by plain JSSE, one context (KiB)",
        number(h.jsseRetainedBytesPerHandshake() / 1024.0),
        h.jsseRetentionHandshakes() + " handshakes",
        "");
    table.row(
        "gateway connections (one TLS handshake each) per tunnelled SSH connection",
        String.format(Locale.ROOT, "%.2f", handshakesPerConnection()),
        results.gatewayConnections() + " for " + results.tunnelledConnections(),
        "");
    table.row(
        "CONNECT requests per tunnelled SSH connection",
        String.format(
            Locale.ROOT,
            "%.2f",
            results.gatewayRequests() / (double) results.tunnelledConnections()),
        results.gatewayRequests() + " for " + results.tunnelledConnections(),
        "");
    return table;
  }

  Table proxyCommandTable() {
    Table table =
        new Table(
            "ProxyCommand", "n", "OpenSSH straight", "through the ProxyCommand", "ratio", "difference");
    for (Alternation.Timing t : results.proxyCommand()) {
      Measurement m = t.wall();
      table.row(
          m.name().replaceFirst("^git ls-remote with OpenSSH, ProxyCommand ", ""),
          Integer.toString(m.direct().count()),
          withSpread(m.direct()),
          withSpread(m.tunnel()),
          String.format(Locale.ROOT, "%.2f", m.ratio()),
          signed(m.difference()) + " ms");
    }
    return table;
  }

  private static void tlsRow(Table table, String name, Samples s, String resumed) {
    table.row(name, number(s.median()), spread(s), resumed);
  }

  double handshakesPerConnection() {
    return results.gatewayConnections() / (double) results.tunnelledConnections();
  }

  Table targetTable() {
    Measurement clone = results.timing(Results.CLONE);
    Measurement first = results.timing(Results.FIRST_CONNECTION);
    Measurement repeated = results.timing(Results.REPEATED);
    Results.Handshakes h = results.handshakes();
    Measurement threads = results.resources().get(Results.THREADS_OPEN);
    Measurement heap = results.resources().get(Results.HEAP_OPEN);
    Measurement threadsLeft = results.resources().get(Results.THREADS_LEFT);
    Measurement heapLeftAfterMany = results.resources().get(Results.HEAP_LEFT_AFTER_MANY);
    int n = h.full().count();
    int renewals = n / LIBRARY_HANDSHAKES_PER_CONTEXT + 1; // where a renewal falls in the run varies

    Table table = new Table("target", "measured", "met");
    reuseTargets(table);
    table.row(
        "tunnelled clone at most " + CLONE_RATIO_TARGET + " × direct",
        String.format(Locale.ROOT, "%.3f ×", clone.ratio()),
        yesNo(clone.ratio() <= CLONE_RATIO_TARGET));
    table.row(
        "connection set-up: at most one TLS handshake more than direct",
        String.format(
            Locale.ROOT, "%.2f handshakes per tunnelled connection", handshakesPerConnection()),
        yesNo(handshakesPerConnection() <= 1.0));
    setUpInTime(table, "first connection", "", first, "full", h.full());
    setUpInTime(table, "repeated connection", "", repeated, "resumed", h.resumed());
    setUpInTime(
        table,
        "first connection",
        BenchRun.NO_DELAY,
        results.timing(Results.FIRST_CONNECTION_NO_DELAY),
        "full",
        h.full());
    setUpInTime(
        table,
        "repeated connection",
        BenchRun.NO_DELAY,
        results.timing(Results.REPEATED_NO_DELAY),
        "resumed",
        h.resumed());
    table.row(
        "TLS session resumption on by default for repeated connections",
        String.format(
            Locale.ROOT,
            "%d of %d tunnels after a git connection resumed (a context renewal, every %d handshakes, "
                + "starts afresh)",
            h.openTunnelReusedResumed(),
            n,
            LIBRARY_HANDSHAKES_PER_CONTEXT),
        yesNo(h.openTunnelReusedResumed() >= n - renewals));
    table.row(
        "at most " + (int) THREADS_PER_TUNNEL_TARGET + " threads per open tunnel",
        signed(threads.difference()),
        yesNo(threads.difference() <= THREADS_PER_TUNNEL_TARGET));
    table.row(
        "at most " + (int) HEAP_PER_TUNNEL_TARGET_KIB + " KiB of heap per open tunnel",
        signed(heap.difference()) + " KiB",
        yesNo(heap.difference() <= HEAP_PER_TUNNEL_TARGET_KIB));
    boolean nothingLeft =
        threadsLeft.tunnel().median() <= 0 && heapLeftAfterMany.difference() <= HEAP_LEFT_BOUND_KIB;
    table.row(
        "nothing left per connection after close",
        String.format(
            Locale.ROOT,
            "%s threads per connection; %s KiB of heap in all after %s (tunnel − direct; bound: one TLS "
                + "context's resumed sessions, %s KiB, whatever the count)",
            signed(threadsLeft.tunnel().median()),
            signed(heapLeftAfterMany.difference()),
            heapLeftAfterMany.name().replace("heap left after ", "").replace(", in all", ""),
            number(HEAP_LEFT_BOUND_KIB)),
        yesNo(nothingLeft));
    proxyCommandTarget(table, results.proxyCommandEachConnection(), "a new JVM for every connection");
    proxyCommandTarget(table, results.proxyCommandRecommended(),
        "the README's recipe: commands after the first run on ssh's shared connection, with no new JVM");
    return table;
  }

  private static void proxyCommandTarget(Table table, Measurement proxyCommand, String how) {
    table.row(
        "ProxyCommand mode: git ls-remote through OpenSSH and the jar at most "
            + PROXY_COMMAND_RATIO_TARGET
            + "x OpenSSH straight to the server ("
            + how
            + ")",
        String.format(
            Locale.ROOT,
            "%.2f × (%s ms against %s ms; %s)",
            proxyCommand.ratio(),
            number(proxyCommand.tunnel().median()),
            number(proxyCommand.direct().median()),
            proxyCommand.name().replaceFirst("^git ls-remote with OpenSSH, ProxyCommand ", "")),
        yesNo(proxyCommand.ratio() <= PROXY_COMMAND_RATIO_TARGET));
  }

  /** Issue #15's targets for connection reuse. */
  private void reuseTargets(Table table) {
    Results.Reuse r = results.reuse();
    Measurement sequential = r.timing(Results.SEQUENTIAL);
    Measurement sequentialNoDelay = r.timing(Results.SEQUENTIAL_NO_DELAY);
    Measurement concurrent = r.timing(Results.CONCURRENT_REUSE);
    int n = plan.sequentialOperations();
    table.row(
        n + " ls-remotes one after another, tunnel with reuse: at most 1/3 × stock JGit direct",
        String.format(Locale.ROOT, "%.3f ×", sequential.ratio()),
        yesNo(sequential.ratio() <= SEQUENTIAL_REUSE_RATIO_TARGET));
    // "With reuse off on both sides": the tunnel without reuse against stock JGit, operation for operation.
    Measurement offBothSides = results.timing(Results.REPEATED);
    Measurement offBothSidesNoDelay = results.timing(Results.REPEATED_NO_DELAY);
    table.row(
        "… and with reuse off on both sides, the tunnel faster than direct JGit (ls-remote repeated, JGit's defaults)",
        String.format(Locale.ROOT, "%.3f ×", offBothSides.ratio()),
        yesNo(offBothSides.ratio() < 1));
    table.row(
        "… the same with TCP_NODELAY on both SSH ends from the first packet (like against like)",
        String.format(Locale.ROOT, "%.3f × (with reuse, against it: %.3f ×)", offBothSidesNoDelay.ratio(),
            sequentialNoDelay.ratio()),
        yesNo(offBothSidesNoDelay.ratio() < 1));
    table.row(
        plan.concurrency() + " concurrent ls-remotes, tunnel with reuse: faster than stock JGit direct",
        String.format(Locale.ROOT, "%.3f ×", concurrent.ratio()),
        yesNo(concurrent.ratio() < 1));
    table.row(
        "at most " + (int) THREADS_PER_IDLE_CONNECTION_TARGET + " threads per idle reused connection",
        number(r.threadsPerIdleConnection().median()),
        yesNo(r.threadsPerIdleConnection().median() <= THREADS_PER_IDLE_CONNECTION_TARGET));
    table.row(
        "no extra thread per open channel on a reused connection",
        String.format(
            Locale.ROOT,
            "%s per channel (%d channels on %s new connection(s))",
            signed(r.threadsPerChannel().median()),
            r.extraChannels(),
            r.channelGatewayConnections().stream().mapToInt(Integer::intValue).max().orElse(0)),
        yesNo(r.threadsPerChannel().median() <= 0));
    ReuseProbe.Growth g = r.heapGrowth();
    table.row(
        String.format(
            Locale.ROOT,
            "heap flat after %d operations on one reused connection (< %s KiB per operation)",
            r.heapOperations(),
            number(HEAP_GROWTH_PER_OPERATION_BOUND_KIB)),
        String.format(
            Locale.ROOT,
            "%s KiB per operation (%s KiB in all since the %dth)",
            signed(g.bytesPerOperation() / 1024.0),
            signed(g.bytesInAll() / 1024.0),
            r.heapFirstOperations()),
        yesNo(g.bytesPerOperation() / 1024.0 < HEAP_GROWTH_PER_OPERATION_BOUND_KIB));
  }

  private static void setUpInTime(
      Table table,
      String connection,
      String variant,
      Measurement m,
      String handshake,
      Samples yardstick) {
    table.row(
        "… in time, "
            + connection
            + variant
            + ": tunnel − direct ≤ one "
            + handshake
            + " TLS handshake",
        String.format(
            Locale.ROOT, "%s ms vs %s ms", signed(m.difference()), number(yardstick.median())),
        yesNo(m.difference() <= yardstick.median()));
  }

  Table machineTable() {
    Table table = new Table("machine", "").leftAligned();
    machine.forEach(table::row);
    return table;
  }

  List<Measurement> charted() {
    return List.of(
        results.timing(Results.CLONE),
        results.timing(Results.FIRST_CONNECTION),
        results.timing(Results.REPEATED),
        results.timing(Results.CONCURRENT),
        results.timing(Results.FIRST_CONNECTION_NO_DELAY),
        results.timing(Results.REPEATED_NO_DELAY),
        results.timing(Results.EXCHANGE_NO_DELAY),
        results.reuse().timing(Results.SEQUENTIAL),
        results.reuse().timing(Results.SEQUENTIAL_NO_DELAY),
        results.reuse().timing(Results.CONCURRENT_REUSE),
        results.resources().get(Results.THREADS_OPEN),
        results.resources().get(Results.HEAP_OPEN));
  }

  /** One short line: CPU, Java, date. */
  String chartSubtitle() {
    return String.format(
        Locale.ROOT,
        "%s run, %s · Java %s · %s",
        plan.name(),
        machine.get("CPU").replaceAll(" \\(.*\\)$", ""),
        System.getProperty("java.runtime.version"),
        finished.format(DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT)));
  }

  private static String withSpread(Samples s) {
    return number(s.median()) + " (" + spread(s) + ")";
  }

  private static String spread(Samples s) {
    return number(s.spreadLow()) + "–" + number(s.spreadHigh()) + " " + s.spreadName();
  }

  private static String yesNo(boolean met) {
    return met ? "yes" : "**no**";
  }

  private static String minutes(Duration d) {
    long seconds = d.toSeconds();
    return seconds < 60
        ? seconds + " s"
        : String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
  }

  /** Three significant digits or so, never scientific. */
  static String number(double v) {
    double a = Math.abs(v);
    String format = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f";
    return String.format(Locale.ROOT, format, v);
  }

  static String signed(double v) {
    String s = number(v);
    return v >= 0 && !s.startsWith("-") ? "+" + s : s;
  }
}
