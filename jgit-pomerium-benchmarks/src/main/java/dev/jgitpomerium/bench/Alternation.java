package dev.jgitpomerium.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs an operation both ways, round after round, swapping which way goes first each round so that
 * drift (a warming JIT, a filling page cache, a neighbour's build) falls on both alike. Warm-up
 * rounds run the same way and are dropped.
 */
final class Alternation {
  /** One run of an operation: the value to record, and the CPU both JVMs spent on it. */
  record Sample(double value, double clientCpuMillis, double serverCpuMillis) {}

  /** One measured run of an operation. */
  @FunctionalInterface
  interface Operation {
    Sample run(Via via) throws Exception;
  }

  /** A measure's values, and the CPU time the client's and the server's JVM spent per run. */
  record Timing(Measurement wall, Measurement clientCpu, Measurement serverCpu) {}

  private Alternation() {}

  static Timing measure(String name, String unit, int warmups, int rounds, Operation operation)
      throws Exception {
    List<List<Sample>> samples = List.of(new ArrayList<>(), new ArrayList<>());
    for (int round = 0; round < warmups + rounds; round++) {
      Via[] order =
          round % 2 == 0 ? new Via[] {Via.DIRECT, Via.TUNNEL} : new Via[] {Via.TUNNEL, Via.DIRECT};
      for (Via via : order) {
        Sample sample = operation.run(via);
        if (round >= warmups) {
          samples.get(via.ordinal()).add(sample);
        }
      }
    }
    List<Sample> direct = samples.get(Via.DIRECT.ordinal());
    List<Sample> tunnel = samples.get(Via.TUNNEL.ordinal());
    return new Timing(
        new Measurement(name, unit, values(direct, Sample::value), values(tunnel, Sample::value)),
        new Measurement(
            name,
            "ms",
            values(direct, Sample::clientCpuMillis),
            values(tunnel, Sample::clientCpuMillis)),
        new Measurement(
            name,
            "ms",
            values(direct, Sample::serverCpuMillis),
            values(tunnel, Sample::serverCpuMillis)));
  }

  private static Samples values(
      List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value) {
    return new Samples(samples.stream().map(value::applyAsDouble).toList());
  }

  static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }
}
