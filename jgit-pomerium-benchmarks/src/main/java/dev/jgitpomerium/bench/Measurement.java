package dev.jgitpomerium.bench;

/** One measure taken both ways in the same run. */
record Measurement(String name, String unit, Samples direct, Samples tunnel) {
  /** Tunnel over direct, of the medians. */
  double ratio() {
    return tunnel.median() / direct.median();
  }

  /** Tunnel minus direct, of the medians: what going through Pomerium adds. */
  double difference() {
    return tunnel.median() - direct.median();
  }

  Samples of(Via via) {
    return via == Via.DIRECT ? direct : tunnel;
  }
}
