package dev.jgitpomerium.bench;

import java.util.List;

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
    List<Alternation.Timing> proxyCommand) {

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

  static final int THREADS_OPEN = 0;
  static final int HEAP_OPEN = 1;
  static final int THREADS_LEFT = 2;
  static final int HEAP_LEFT = 3;
  static final int HEAP_LEFT_AFTER_MANY = 4;
}
