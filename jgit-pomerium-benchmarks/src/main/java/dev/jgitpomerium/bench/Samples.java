package dev.jgitpomerium.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Measured values of one kind, sorted. The spread reported is p10–p90 when there are enough values
 * for those to mean something, otherwise the whole range.
 */
final class Samples {
  /** From this many values on, p10–p90 rather than min–max. */
  private static final int PERCENTILE_SPREAD_MIN = 10;

  private final List<Double> sorted;

  Samples(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    List<Double> copy = new ArrayList<>(values);
    Collections.sort(copy);
    this.sorted = List.copyOf(copy);
  }

  static Samples of(double... values) {
    List<Double> list = new ArrayList<>();
    for (double v : values) {
      list.add(v);
    }
    return new Samples(list);
  }

  int count() {
    return sorted.size();
  }

  double mean() {
    return sorted.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  double median() {
    return percentile(50);
  }

  double min() {
    return sorted.get(0);
  }

  double max() {
    return sorted.get(sorted.size() - 1);
  }

  /** Linear interpolation between closest ranks. */
  double percentile(double p) {
    double rank = p / 100.0 * (sorted.size() - 1);
    int lower = (int) Math.floor(rank);
    int upper = (int) Math.ceil(rank);
    double fraction = rank - lower;
    return sorted.get(lower) + (sorted.get(upper) - sorted.get(lower)) * fraction;
  }

  boolean percentileSpread() {
    return sorted.size() >= PERCENTILE_SPREAD_MIN;
  }

  double spreadLow() {
    return percentileSpread() ? percentile(10) : min();
  }

  double spreadHigh() {
    return percentileSpread() ? percentile(90) : max();
  }

  String spreadName() {
    return percentileSpread() ? "p10–p90" : "min–max";
  }
}
