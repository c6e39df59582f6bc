package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.session.KnownHosts;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * The host keys a server offered to {@link PomeriumSshSessionFactory#scanHostKeys}, with the name known_hosts looks
 * them up under when this library, OpenSSH or git connect to the host as scanned: the {@code HostKeyAlias}, else the
 * host after ssh config's {@code HostName} ({@code [host]:port} for ports other than 22, IPv6 addresses in OpenSSH's
 * short form). Not the name as typed: an ssh config alias is never what known_hosts is searched for.
 *
 * @param knownHostsName the name to record the keys under
 * @param keys the keys, one per type (Ed25519, ECDSA, RSA, in that order, as far as the server has them)
 */
public record ScannedHostKeys(String knownHostsName, List<PublicKey> keys) {
  /**
   * Copies {@code keys}.
   *
   * @throws NullPointerException if {@code knownHostsName} or {@code keys} is null, or {@code keys} contains null
   */
  public ScannedHostKeys {
    Objects.requireNonNull(knownHostsName, "knownHostsName");
    keys = List.copyOf(keys);
  }

  /** The keys as known_hosts lines ({@code name type base64}), as ssh-keyscan prints them, without line ends. */
  public List<String> knownHostsLines() {
    List<String> lines = new ArrayList<>();
    for (PublicKey key : keys) {
      lines.add(knownHostsName + " " + PublicKeyEntry.toString(key));
    }
    return lines;
  }

  /**
   * One line per key to check with the server's administrator, in the order of {@link #keys}: {@code # name TYPE
   * SHA256:...}, the type and fingerprint as OpenSSH shows them.
   */
  public List<String> fingerprintLines() {
    List<String> lines = new ArrayList<>();
    for (PublicKey key : keys) {
      lines.add("# " + knownHostsName + " " + KnownHosts.type(key) + " " + KnownHosts.fingerprint(key));
    }
    return lines;
  }
}
