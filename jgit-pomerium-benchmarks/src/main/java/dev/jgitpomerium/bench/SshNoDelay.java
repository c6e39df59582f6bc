package dev.jgitpomerium.bench;

/**
 * Switches TCP_NODELAY for the SSH sockets Apache MINA sshd opens from now on, in this JVM: sshd
 * reads its {@code tcp-nodelay} property, which is off by default, from system properties when a
 * socket is set up. Neither JGit's client nor the testkit's server sets it, so by default each SSH
 * end may hold a small write back until the previous one is acknowledged (Nagle), and the peer may
 * delay that acknowledgement (delayed ACK).
 */
final class SshNoDelay {
  static final String PROPERTY = "org.apache.sshd.config.tcp-nodelay";

  private SshNoDelay() {}

  static void set(boolean on) {
    if (on) {
      System.setProperty(PROPERTY, "true");
    } else {
      System.clearProperty(PROPERTY);
    }
  }
}
