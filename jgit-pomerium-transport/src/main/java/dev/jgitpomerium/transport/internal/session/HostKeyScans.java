package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.ScannedHostKeys;
import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;

/**
 * Fetches the host keys a server offers, as {@code ssh-keyscan} does, over the path a git connection would take: one
 * connection per key type, each refused by {@link KnownHosts} once the key is seen, so nothing logs in and known_hosts
 * is neither read nor written.
 */
public final class HostKeyScans {
  /** Opens a JGit session to {@code uri} (the factory's, with no CredentialsProvider). */
  @FunctionalInterface
  public interface Connector {
    SshdSession open(URIish uri) throws TransportException;
  }

  private HostKeyScans() {}

  /** See {@code PomeriumSshSessionFactory.scanHostKeys}. */
  public static ScannedHostKeys scan(KnownHosts knownHosts, String host, int port, ConnectionFailures failures,
      Connector connector) throws IOException {
    List<PublicKey> keys = new ArrayList<>();
    String name = null;
    for (List<PublicKey> type : KnownHosts.scanTypes()) {
      KnownHosts.KeyScan scan = new KnownHosts.KeyScan(type);
      connectOnce("jgit-pomerium-keyscan-", scan, knownHosts, host, port, failures, connector,
          s -> s.offered() != null);
      PublicKey offered = scan.offered();
      name = name != null ? name : scan.name();
      if (KnownHosts.sameType(type, offered)) {
        keys.add(offered);
      }
    }
    if (name == null) {
      throw new IOException("this JVM can make no Ed25519, ECDSA or RSA key to ask " + host + " for its host keys");
    }
    return new ScannedHostKeys(name, keys);
  }

  /**
   * Connects to {@code host} once as a git connection would, lets the key exchange choose the host key as it would
   * for a real connection, and judges that key as the connection's check would, without logging in, asking, or
   * recording anything.
   *
   * @throws IOException if no key was offered: the server could not be reached (the message says why)
   */
  public static KnownHosts.Check probe(KnownHosts knownHosts, String host, int port, ConnectionFailures failures,
      Connector connector) throws IOException {
    KnownHosts.KeyScan scan = KnownHosts.KeyScan.asConnection();
    connectOnce("jgit-pomerium-doctor-", scan, knownHosts, host, port, failures, connector, s -> s.check() != null);
    return scan.check();
  }

  /**
   * One connection whose host key {@code scan} takes (and refuses, so nothing logs in); the scan is told apart from
   * real connections by a user name no one logs in as.
   *
   * @throws IOException if {@code seen} says the scan saw no key: the server was not reached (the message says why)
   */
  private static void connectOnce(String userPrefix, KnownHosts.KeyScan scan, KnownHosts knownHosts, String host,
      int port, ConnectionFailures failures, Connector connector, Predicate<KnownHosts.KeyScan> seen)
      throws IOException {
    String user = userPrefix + UUID.randomUUID();
    knownHosts.scan(user, scan);
    TransportException failure = null;
    SessionLookups lookups = new SessionLookups();
    try {
      URIish uri = new URIish().setScheme("ssh").setUser(user).setHost(host).setPort(port > 0 ? port : -1)
          .setPath("/");
      SessionLookups.during(lookups, () -> connector.open(uri)).disconnect();
    } catch (TransportException e) {
      failure = e; // expected: the key is refused once seen
    } finally {
      knownHosts.endScan(user);
    }
    if (!seen.test(scan)) {
      throw failures.scanFailed(host, port, user, failure, lookups);
    }
  }
}
