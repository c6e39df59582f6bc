package dev.jgitpomerium.bench;

import java.util.List;
import java.util.Map;

/** Everything one run measured. */
record Results(
    /** Clone, ls-remote first and repeated, concurrent ls-remotes: the charted timings. */
    List<Alternation.Timing> timings,
    /** Building a factory, not included in the timings. */
    Measurement factoryBuild,
    /** Per open session, and per connection after close: threads and KiB of heap. */
    List<Measurement> resources,
    Handshakes handshakes,
    /** Gateway TCP connections (one TLS handshake each) and CONNECTs during the git measures. */
    int gatewayConnections,
    int gatewayRequests,
    /** SSH connections the harness made through the tunnel meanwhile. */
    int tunnelledConnections,
    /**
     * The git command line through OpenSSH: straight to the server ("direct") against the ProxyCommand ("tunnel"),
     * one timing per way of starting it; the launcher, then the launcher under ssh's ControlMaster (against OpenSSH
     * straight with one, and without) last.
     */
    List<Alternation.Timing> proxyCommand,
    /** The tunnel with connection reuse, measured apart from the counts above. */
    Reuse reuse) {

  /**
   * The tunnel as the library comes, sharing one SSH connection per destination: timings beside
   * stock JGit (which has no reuse), what reuse costs the client (tunnel only), and the gateway
   * connections its operations took.
   */
  record Reuse(
      /** {@link #SEQUENTIAL}, {@link #CONCURRENT_REUSE}, {@link #SEQUENTIAL_NO_DELAY}. */
      List<Alternation.Timing> timings,
      /** Per round: threads and KiB of heap per idle connection the factory keeps. */
      Samples threadsPerIdleConnection,
      Samples heapPerIdleConnectionKiB,
      int idleConnections,
      /** Gateway connections for the idle ones, per round (one each when all went as expected). */
      List<Integer> idleGatewayConnections,
      /** The thread families the idle connections added, in the last round. */
      Map<String, Integer> idleThreadFamilies,
      /** Per round: threads per channel opened beside the first on one shared connection. */
      Samples threadsPerChannel,
      int extraChannels,
      /** Gateway connections for the extra channels, per round (none when all shared). */
      List<Integer> channelGatewayConnections,
      ReuseProbe.Growth heapGrowth,
      int heapFirstOperations,
      int heapOperations,
      /** Gateway connections (one TLS handshake and CONNECT each) for the operations with reuse. */
      int gatewayConnections,
      int operations) {

    Measurement timing(int index) {
      return timings.get(index).wall();
    }

    /** The same, with the gateway connections and operations of all the reuse measures. */
    Reuse counted(int gatewayConnections, int operations) {
      return new Reuse(
          timings,
          threadsPerIdleConnection,
          heapPerIdleConnectionKiB,
          idleConnections,
          idleGatewayConnections,
          idleThreadFamilies,
          threadsPerChannel,
          extraChannels,
          channelGatewayConnections,
          heapGrowth,
          heapFirstOperations,
          heapOperations,
          gatewayConnections,
          operations);
    }
  }
  /** The TLS yardstick and what the library's own connections did. */
  record Handshakes(
      Samples full,
      Samples resumed,
      int resumedCount,
      Samples openTunnelFresh,
      int openTunnelFreshResumed,
      Samples openTunnelReused,
      int openTunnelReusedResumed,
      /** Heap still reachable per handshake after many through one plain JSSE context. */
      double jsseRetainedBytesPerHandshake,
      int jsseRetentionHandshakes) {}

  /** The wall-clock measure. */
  Measurement timing(int index) {
    return timings.get(index).wall();
  }

  static final int CLONE = 0;
  static final int FIRST_CONNECTION = 1;
  static final int REPEATED = 2;
  static final int CONCURRENT = 3;
  static final int FIRST_CONNECTION_NO_DELAY = 4;
  static final int REPEATED_NO_DELAY = 5;
  static final int EXCHANGE_NO_DELAY = 6;

  /** The ProxyCommand as the README says, with ssh's ControlMaster: the last of {@link #proxyCommand}. */
  Measurement proxyCommandRecommended() {
    return proxyCommand.get(proxyCommand.size() - 1).wall();
  }

  /** The launcher with a new JVM for every connection (no ControlMaster): the third from last. */
  Measurement proxyCommandEachConnection() {
    return proxyCommand.get(proxyCommand.size() - 3).wall();
  }
  static final int SEQUENTIAL = 0;
  static final int CONCURRENT_REUSE = 1;
  static final int SEQUENTIAL_NO_DELAY = 2;

  static final int THREADS_OPEN = 0;
  static final int HEAP_OPEN = 1;
  static final int THREADS_LEFT = 2;
  static final int HEAP_LEFT = 3;
  static final int HEAP_LEFT_AFTER_MANY = 4;
}
