package dev.jgitpomerium.transport.internal.reuse;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.Channel;
import org.eclipse.jgit.transport.sshd.SshdSession;

/**
 * One SSH connection of a {@link ConnectionPool}: the JGit session that opened it (and owns its sshd client), the
 * leases on it, how many it takes, and its idle timer. Its counters are guarded by the pool's lock.
 */
final class SharedConnection {
  enum State { OPENING, OPEN, LOST, GONE }

  final ConnectionPool.Destination destination;
  /** Not in the pool: made for one lease because ssh config says the host's connections are not to be shared. */
  final boolean personal;
  private final CompletableFuture<Boolean> ready = new CompletableFuture<>();
  State state = State.OPENING;
  SshdSession session;
  ClientSession client;
  Duration keepIdle;
  volatile int leases;
  /** Leases it takes: OpenSSH's default MaxSessions, lowered to what the server allowed when it refused a channel. */
  int capacity;
  /** Armed while it may be idle; see {@code ConnectionPool.expireAfter}. */
  ScheduledFuture<?> idleTimer;
  /** When its last lease ended ({@link System#nanoTime()}). */
  long idleSince;
  /** When it was made ({@link System#nanoTime()}). */
  final long madeAt = System.nanoTime();
  /**
   * Whether a channel was ever opened on it: a refusal then means it is full (OpenSSH also counts a channel that has
   * just ended until it has processed the close), while a new connection refusing its first channel refuses for good.
   */
  volatile boolean hostedChannel;
  /** The channels opened on it that have not finished closing. */
  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();

  SharedConnection(ConnectionPool.Destination destination, boolean personal, int capacity) {
    this.destination = destination;
    this.personal = personal;
    this.capacity = capacity;
  }

  SharedConnection(ConnectionPool.Destination destination, boolean personal) {
    this(destination, personal, ConnectionPool.DEFAULT_CHANNELS_PER_CONNECTION);
  }

  /** Whether it was made more than {@code age} before {@code now} ({@link System#nanoTime()}). */
  boolean olderThan(Duration age, long now) {
    return now - madeAt > age.toNanos();
  }

  /** Whether new channels may go on it: it is open and the server has not begun to close it. */
  boolean usable() {
    ClientSession c = client;
    return state == State.OPEN && c != null && c.isOpen() && !c.isClosing();
  }

  /** Counts {@code channel} until its close has been confirmed by the server. */
  void track(Channel channel) {
    hostedChannel = true;
    channels.add(channel);
    channel.addCloseFutureListener(closed -> channels.remove(channel));
  }

  /** Whether one of its channels is open and not closing: a refusal then means the server's limit is reached. */
  boolean carriesOpenChannels() {
    return openChannels() > 0;
  }

  /** Its channels that are open and not closing. */
  int openChannels() {
    return (int) channels.stream().filter(c -> c.isOpen() && !c.isClosing()).count();
  }

  /**
   * Waits, at most {@code timeout}, for its channels that are closing to be closed; the server counts them against its
   * limit until it has processed their close, a little while after ours.
   */
  void awaitClosingChannels(Duration timeout) throws InterruptedException {
    List<Channel> closing = channels.stream().filter(Channel::isClosing).toList();
    CountDownLatch closed = new CountDownLatch(closing.size());
    closing.forEach(c -> c.addCloseFutureListener(f -> closed.countDown()));
    closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  void opened() {
    ready.complete(true);
  }

  void abandoned() {
    ready.complete(false);
  }

  /** Waits until its opener has it open (true) or gave it up (false); the opener's connect is bounded. */
  boolean awaitOpen() throws InterruptedException {
    try {
      return ready.get();
    } catch (ExecutionException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return destination + (client != null ? " (" + client.getIoSession().getLocalAddress() + ")" : "");
  }
}
