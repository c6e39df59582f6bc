package dev.jgitpomerium.bench;

import java.time.Duration;

/** How much of each measure a run takes: the full run for the docs, or a quick smoke run. */
record Plan(
    String name,
    RepositorySpec repository,
    Duration readyTimeout,
    int cloneWarmups,
    int cloneRounds,
    int firstConnectionWarmups,
    int firstConnectionRounds,
    int repeatedWarmups,
    int repeatedRounds,
    int concurrency,
    int concurrentWarmups,
    int concurrentBatches,
    int openSessions,
    int resourceRounds,
    int handshakeWarmups,
    int handshakeRounds,
    int retentionHandshakes,
    int longRunConnections,
    int proxyCommandWarmups,
    int proxyCommandRounds,
    /** Every way of starting the ProxyCommand, or only java -jar and the launcher. */
    boolean proxyCommandEveryVariant,
    int sequentialOperations,
    int sequentialWarmups,
    int sequentialRounds,
    int reuseExtraChannels,
    int reuseHeapFirstOperations,
    int reuseHeapOperations) {

  /**
   * Channels on one connection in all when the extra ones are open: OpenSSH's default {@code
   * MaxSessions}, which the library keeps to, so that all of them share one connection.
   */
  static final int CHANNELS_PER_CONNECTION = 10;

  /** About four minutes on a 2-core machine, plus the one-time repository generation. */
  static final Plan FULL =
      new Plan(
          "full", RepositorySpec.FULL, Duration.ofMinutes(10),
          2, 15, // clone
          5, 30, // first connection
          10, 100, // repeated
          32, 1, 8, // concurrent
          32, 3, // open sessions
          10, 30, 300, // TLS handshakes
          600, // connections one after another, for what stays
          1, 7, true, // git ls-remote with OpenSSH and each ProxyCommand
          100, 0, 5, // ls-remotes one after another with reuse: per run, warm-up, rounds
          CHANNELS_PER_CONNECTION - 1, // channels beside the first on one shared connection
          100, 2000); // heap after the first ls-remotes on one reusing factory, and after all
  /** A smoke run for CI: a tiny repository and few rounds, well under a minute. */
  static final Plan QUICK =
      new Plan(
          "quick", RepositorySpec.QUICK, Duration.ofMinutes(2),
          1, 1,
          1, 3,
          3, 10,
          8, 0, 1,
          8, 1,
          2, 5, 50,
          20,
          1, 3, false,
          25, 0, 1,
          CHANNELS_PER_CONNECTION - 1,
          100, 500);
}
