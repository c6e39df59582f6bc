package dev.jgitpomerium.bench;

/** How the client reaches the SSH server. */
enum Via {
  /** Plain JGit straight to the SSH server's port. */
  DIRECT("direct"),
  /** {@code PomeriumSshSessionFactory}: TLS to the gateway, CONNECT, then SSH through the relay. */
  TUNNEL("tunnel");

  private final String label;

  Via(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
