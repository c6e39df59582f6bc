package dev.jgitpomerium.transport.internal.reuse;

import dev.jgitpomerium.transport.internal.session.JGitSessions;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.sshd.client.session.ClientSession;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH connections of one factory, shared by destination: a JGit operation gets a session that opens its channel
 * on a connection to the same user, host and port that has room, waits for one being opened, or opens one. When the
 * last operation on a connection ends, the connection stays for its keep-idle time ({@link ReusePolicy}), then is
 * closed; one the server closed is dropped once its operations end. What the factory decides per destination (ssh
 * config, identities, known_hosts, the route) is the same for every operation, so the destination is the key.
 */
public final class ConnectionPool implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
  /** OpenSSH's default {@code MaxSessions}: an OpenSSH server refuses more channels on one connection. */
  static final int DEFAULT_CHANNELS_PER_CONNECTION = 10;
  /**
   * How long a connection takes new operations: Pomerium checks the token and the route's policy when a connection
   * opens, so a revoked token or a changed policy applies to the operations of a kept connection from at most this
   * long after it opened. Operations under way go on.
   */
  static final Duration MAX_AGE_FOR_NEW_OPERATIONS = Duration.ofMinutes(10);
  /** How long closing a connection waits for the server to confirm, so the sshd client stops with nothing pending. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /**
   * Where a connection goes: the user as the URL gives it (null: ssh config's or the local one), host and port; and the
   * operation's {@code CredentialsProvider} (null for none), compared by identity: a connection authenticated with one
   * operation's passphrase or password is never handed to an operation that brought other credentials, or none.
   */
  public record Destination(String user, String host, int port, CredentialsProvider credentials) {
    static Destination of(URIish uri, CredentialsProvider credentials) {
      return new Destination(uri.getUser(), uri.getHost().toLowerCase(Locale.ROOT), uri.getPort(), credentials);
    }

    /** The user, host and port: what a server's limits apply to. */
    String server() {
      return (user != null ? user + "@" : "") + host + (port > 0 ? ":" + port : "");
    }

    @Override
    public String toString() {
      return server();
    }
  }

  /** A connection a {@link Connector} opened, with the target's ssh config entry (null without ssh config). */
  public record Opened(SshdSession session, SshConfig.HostEntry target) {}

  /** Opens a new SSH connection as the factory does without reuse: tunnel, host key, authentication, keepalive. */
  @FunctionalInterface
  public interface Connector {
    Opened open() throws TransportException;
  }

  private final Supplier<ReusePolicy> policy;
  private final Map<Destination, List<SharedConnection>> connections = new HashMap<>();
  /** Channels per connection a server allowed when it refused one more, by user, host and port. */
  private final Map<String, Integer> learnedCapacity = new HashMap<>();
  /**
   * The CredentialsProviders operations have brought before: a connection opened for a provider not seen before is not
   * kept once idle, since programs that make a provider per command would leave one kept connection per command that
   * no later operation can share.
   */
  private final Map<CredentialsProvider, Boolean> providersSeen = new WeakHashMap<>();
  private boolean closed;

  /** @param policy the policy set in code or the environment, or null; asked at each new connection */
  public ConnectionPool(Supplier<ReusePolicy> policy) {
    this.policy = policy;
  }

  /**
   * A JGit session for {@code uri}: on a shared connection when reuse applies, else the one {@code connector} opens.
   *
   * @param channelTimeout how long opening a channel may take
   */
  public SshdSession session(URIish uri, CredentialsProvider credentials, Connector connector,
      Duration channelTimeout) throws TransportException {
    ReusePolicy set = policy.get();
    if (set != null && !set.enabled() || !JGitSessions.canShare()) {
      return connector.open().session();
    }
    Lease lease = new Lease(this, uri, Destination.of(uri, credentials), connector, channelTimeout);
    SshdSession own = attach(lease, false, null);
    if (own != null) {
      return own;
    }
    SshdSession face = JGitSessions.sessionOn(uri, lease.face());
    if (face == null) {
      lease.release();
      return connector.open().session();
    }
    return face;
  }

  /**
   * Gives {@code lease} a connection with room: one open, one being opened (waiting for it), or a new one.
   *
   * @param personal when ssh config says the connection is not to be shared: true to make one for this lease anyway
   *     (a replacement), false to return the session the connector opened
   * @param avoid a connection that just refused the lease's channel, or null
   * @return null when attached; the connector's session when it is not to be shared and {@code personal} is false
   */
  SshdSession attach(Lease lease, boolean personal, SharedConnection avoid) throws TransportException {
    Destination destination = lease.destination();
    while (true) {
      SharedConnection connection;
      boolean opener = false;
      synchronized (this) {
        if (closed) {
          throw new TransportException(lease.uri(), "the SSH session factory has been closed");
        }
        connection = withRoom(destination, avoid);
        if (connection == null) {
          connection = new SharedConnection(destination, false,
              learnedCapacity.getOrDefault(destination.server(), DEFAULT_CHANNELS_PER_CONNECTION));
          connections.computeIfAbsent(destination, d -> new ArrayList<>()).add(connection);
          opener = true;
        }
        take(connection);
      }
      if (opener) {
        return open(connection, lease, personal);
      }
      boolean open;
      try {
        open = connection.awaitOpen();
      } catch (InterruptedException e) {
        release(connection);
        Thread.currentThread().interrupt();
        throw new TransportException(lease.uri(), "interrupted while waiting for the SSH connection", e);
      }
      if (open) {
        lease.attachTo(connection);
        log.debug("SSH connection to {} shared: {} operation(s) on it", destination, connection.leases);
        return null;
      }
      // Its opener failed or may not share it: open one of our own.
    }
  }

  private SshdSession open(SharedConnection connection, Lease lease, boolean personal) throws TransportException {
    Opened opened;
    try {
      opened = lease.connector().open();
    } catch (TransportException | RuntimeException e) {
      abandon(connection);
      throw e;
    }
    Duration keepIdle = ReusePolicy.keepIdleFor(policy.get(), opened.target());
    if (keepIdle != null && connection.destination.credentials() != null && !seen(connection.destination)) {
      keepIdle = Duration.ZERO; // shared while in use; kept once the same provider comes again
    }
    ClientSession client = JGitSessions.clientSession(opened.session(), connection.destination.toString());
    if (client == null || keepIdle == null && !personal) {
      abandon(connection);
      return opened.session();
    }
    SharedConnection target = connection;
    if (keepIdle == null) {
      abandon(connection);
      target = new SharedConnection(connection.destination, true);
      target.leases = 1;
      keepIdle = Duration.ZERO;
    }
    Duration keep = keepIdle;
    SharedConnection established = target;
    boolean factoryClosed;
    synchronized (this) {
      factoryClosed = closed;
      if (factoryClosed) { // while this connection was being opened
        connection.state = SharedConnection.State.GONE;
      } else {
        established.session = opened.session();
        established.client = client;
        established.keepIdle = keep;
        established.state = SharedConnection.State.OPEN;
      }
    }
    if (factoryClosed) {
      connection.abandoned();
      opened.session().disconnect();
      throw new TransportException(lease.uri(), "the SSH session factory has been closed");
    }
    opened.session().addCloseListener(s -> lost(established));
    established.opened();
    lease.attachTo(established);
    log.debug("SSH connection to {} opened{}", established.destination,
        established.personal ? " for one operation (ssh config: not shared)" : ", to be shared");
    return null;
  }

  private synchronized boolean seen(Destination destination) {
    return providersSeen.put(destination.credentials(), Boolean.TRUE) != null;
  }

  /** A connection of {@code destination} that takes another lease, or null. Drops the lost ones on the way. */
  private SharedConnection withRoom(Destination destination, SharedConnection avoid) {
    List<SharedConnection> list = connections.get(destination);
    if (list == null) {
      return null;
    }
    long now = System.nanoTime();
    for (Iterator<SharedConnection> it = list.iterator(); it.hasNext(); ) {
      SharedConnection c = it.next();
      if (c.state == SharedConnection.State.OPEN && (!c.usable() || c.olderThan(MAX_AGE_FOR_NEW_OPERATIONS, now))) {
        c.state = SharedConnection.State.LOST;
        it.remove();
        if (c.leases == 0) {
          retireLater(c);
        }
        continue;
      }
      if (c != avoid && c.leases < c.capacity) {
        return c;
      }
    }
    return null;
  }

  private void take(SharedConnection c) {
    c.leases++;
  }

  private synchronized void abandon(SharedConnection c) {
    c.state = SharedConnection.State.GONE;
    remove(c);
    c.abandoned();
  }

  private void remove(SharedConnection c) {
    List<SharedConnection> list = connections.get(c.destination);
    if (list != null) {
      list.remove(c);
      if (list.isEmpty()) {
        connections.remove(c.destination);
      }
    }
  }

  /** A lease on {@code c} ended: an idle connection waits for its keep-idle time, a lost one closes. */
  synchronized void release(SharedConnection c) {
    c.leases--;
    if (c.leases > 0 || c.state == SharedConnection.State.OPENING || c.state == SharedConnection.State.GONE) {
      return;
    }
    if (closed || !c.usable() || c.keepIdle.isZero() || c.personal) {
      retireLater(c);
    } else if (!c.keepIdle.equals(SshConfig.PERSIST_UNTIL_CLOSED)) {
      c.idleSince = System.nanoTime();
      if (c.idleTimer == null) {
        expireAfter(c, c.keepIdle);
      }
    }
  }

  /**
   * Arms {@code c}'s idle timer. A timer is never cancelled when the connection is used again (a busy connection would
   * leave one cancelled task per operation in the scheduler's queue until its delay ran out): when it fires, it closes
   * the connection if it has been idle long enough, else arms itself for the rest.
   */
  private void expireAfter(SharedConnection c, Duration delay) {
    try {
      c.idleTimer = c.client.getFactoryManager().getScheduledExecutorService()
          .schedule(() -> expire(c), Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) { // its sshd client is stopping
      c.idleTimer = null;
      retireLater(c);
    }
  }

  /**
   * {@code lease} found its connection unable to take its channel: refused by the server ({@code refused}, as
   * OpenSSH's {@code MaxSessions} does; the connection then takes no more than it has) or closed. Moves the lease to
   * another connection, opening one if none has room.
   */
  void replace(Lease lease, SharedConnection from, boolean refused) throws TransportException {
    synchronized (this) {
      if (refused && from.usable()) {
        from.capacity = Math.max(1, Math.min(from.capacity, from.openChannels()));
        learnedCapacity.merge(from.destination.server(), from.capacity, Math::min);
        log.debug("SSH connection to {} refused another channel: it takes {}", from.destination, from.capacity);
      }
    }
    release(from);
    SshdSession own = attach(lease, true, from);
    if (own != null) { // this JGit version lets no session be shared after all
      own.disconnect();
      throw new TransportException(lease.uri(), "the SSH server refused another channel on its connection");
    }
  }

  private synchronized void expire(SharedConnection c) {
    c.idleTimer = null;
    if (c.leases > 0 || c.state != SharedConnection.State.OPEN) {
      return; // armed again when its last lease ends
    }
    Duration idle = Duration.ofNanos(System.nanoTime() - c.idleSince);
    if (idle.compareTo(c.keepIdle) < 0) {
      expireAfter(c, c.keepIdle.minus(idle));
      return;
    }
    log.debug("SSH connection to {} idle for {}: closing it", c.destination, c.keepIdle);
    retireLater(c);
  }

  /**
   * {@code c} did not open a channel in the time a working connection takes (a peer gone silent: a laptop that slept, a
   * NAT that forgot it, before keepalives notice): closed now, so that the operations on it fail at once rather than
   * wait, and the one that found it moves on.
   */
  void dead(SharedConnection c) {
    synchronized (this) {
      if (c.state != SharedConnection.State.OPEN) {
        return;
      }
      log.debug("SSH connection to {} does not answer: closing it", c.destination);
      c.state = SharedConnection.State.LOST;
      remove(c);
    }
    Thread closer = new Thread(() -> {
      c.client.close(true);
    }, "jgit-pomerium-ssh-close");
    closer.setDaemon(true);
    closer.start();
  }

  /**
   * {@code c} did not open a channel in time while it carries others, which may be slow or stalled: no new operation
   * goes to it (each would wait as long); those on it go on, and it closes when they end.
   */
  synchronized void shun(SharedConnection c) {
    if (c.state == SharedConnection.State.OPEN) {
      log.debug("SSH connection to {} did not open a channel in time: no new operation goes to it", c.destination);
      c.state = SharedConnection.State.LOST;
      remove(c);
    }
  }

  /** The server (or Pomerium, or a failed keepalive) closed {@code c}: no new lease goes to it. */
  private synchronized void lost(SharedConnection c) {
    if (c.state != SharedConnection.State.OPEN) {
      return;
    }
    log.debug("SSH connection to {} closed by the other side", c.destination);
    c.state = SharedConnection.State.LOST;
    remove(c);
    if (c.leases == 0) {
      retireLater(c);
    }
  }

  /** Takes {@code c} out of the pool and closes it on a thread of its own (never the sshd client's, which stops). */
  private void retireLater(SharedConnection c) {
    if (!retire(c)) {
      return;
    }
    Thread closer = new Thread(() -> close(c), "jgit-pomerium-ssh-close");
    closer.setDaemon(true);
    closer.start();
  }

  private boolean retire(SharedConnection c) {
    if (c.state == SharedConnection.State.GONE) {
      return false;
    }
    c.state = SharedConnection.State.GONE;
    remove(c);
    if (c.idleTimer != null) {
      c.idleTimer.cancel(false);
    }
    return true;
  }

  /** Closes the session, waiting (bounded) for the server to confirm, before JGit stops the sshd client. */
  private static void close(SharedConnection c) {
    try {
      if (c.client != null) {
        c.client.close(false).await(CLOSE_WAIT.toMillis());
      }
    } catch (IOException | RuntimeException e) {
      log.debug("closing the SSH connection to {}: {}", c.destination, e.toString());
    } finally {
      c.session.disconnect();
    }
  }

  /** Closes every connection, waiting for each; sessions still in use end with them. */
  @Override
  public void close() {
    List<SharedConnection> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (List<SharedConnection> list : connections.values()) {
        all.addAll(list);
      }
      all.forEach(this::retire);
    }
    for (SharedConnection c : all) {
      if (c.session != null) {
        close(c);
      }
    }
  }

  /** Open connections, those in use and idle ones (for tests and diagnostics). */
  public synchronized int openConnections() {
    int n = 0;
    for (List<SharedConnection> list : connections.values()) {
      n += (int) list.stream().filter(c -> c.state == SharedConnection.State.OPEN).count();
    }
    return n;
  }

  static InterruptedIOException interrupted(InterruptedException e) {
    Thread.currentThread().interrupt();
    InterruptedIOException io = new InterruptedIOException("interrupted while opening an SSH channel");
    io.initCause(e);
    return io;
  }
}
