package dev.jgitpomerium.bench;

import java.nio.file.Path;

/**
 * Where {@link BenchServer} leaves what the clients need, in a directory the harness chooses: a
 * home directory with {@code .ssh} (user key and known_hosts), the gateway's CA, and the token.
 */
record ClientFiles(Path dir) {
  Path home() {
    return dir.resolve("home");
  }

  Path sshDirectory() {
    return home().resolve(".ssh");
  }

  Path knownHosts() {
    return sshDirectory().resolve("known_hosts");
  }

  Path caCertificate() {
    return dir.resolve("gateway-ca.pem");
  }

  /** Mode 0600; read by the tunnel's factory as a token file. */
  Path token() {
    return dir.resolve("token");
  }
}
