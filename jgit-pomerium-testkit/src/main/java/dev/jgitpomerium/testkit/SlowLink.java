package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Acceptor;
import dev.jgitpomerium.testkit.internal.IoUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP relay that makes a loopback connection behave like a slow network link: each direction is
 * limited to a bandwidth and every byte arrives a fixed one-way delay after it was let through.
 *
 * <p>It does in-process what {@code tc qdisc ... netem rate R delay D} does in the kernel. netem
 * needs root and a network namespace, which developer machines and CI containers often refuse; a
 * relay needs neither and shapes only the connections a test sends through it.
 *
 * <p>As with netem, latency and bandwidth are independent. A token bucket decides when bytes may be
 * read from the sender (so a fast sender is held back by TCP flow control, as behind a slow link);
 * each chunk read at time {@code t} is queued and written to the receiver at {@code t + delay}. The
 * queue holds at least a bandwidth-delay product, so a long delay does not throttle the rate, and
 * is bounded, so a receiver that stops reading pushes back on the sender. The end of a stream is
 * delayed like data and passed on as a half-close.
 *
 * <p>Binds 127.0.0.1 on an ephemeral port. Threads are daemons named {@code
 * slow-link-<port>-<role>}, four per connection; {@link #close()} closes every socket and waits
 * (bounded) until they have all ended, so tests can check for leaks.
 */
public final class SlowLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SlowLink.class);

  private static final int TARGET_CONNECT_TIMEOUT_MILLIS = 5_000;

  /** Largest read; at low rates reads shrink to about 20 ms worth of bytes, to keep pacing even. */
  private static final int MAX_CHUNK_BYTES = 16 * 1024;

  /** Queue capacity floor, for links with little or no delay. */
  private static final long MIN_QUEUE_BYTES = 64 * 1024;

  /** Queue capacity ceiling, for unlimited rates with long delays. */
  private static final long MAX_QUEUE_BYTES = 16 * 1024 * 1024;

  private final InetSocketAddress target;
  private final long bytesPerSecond; // Long.MAX_VALUE: unlimited
  private final long delayNanos;
  private final int chunkBytes;
  private final long queueBytes;
  private final Acceptor acceptor;

  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);

  private SlowLink(Builder builder) throws IOException {
    this.target = Objects.requireNonNull(builder.target, "target");
    this.bytesPerSecond = builder.bytesPerSecond;
    this.delayNanos = builder.oneWayDelay.toNanos();
    this.chunkBytes = (int) Math.max(1, Math.min(MAX_CHUNK_BYTES, bytesPerSecond / 50));
    // Twice the bandwidth-delay product: room for all that is in flight, with slack for jitter.
    double inFlight = 2.0 * Math.min(bytesPerSecond, MAX_QUEUE_BYTES) * delayNanos / 1e9;
    this.queueBytes = (long) Math.min(MAX_QUEUE_BYTES, Math.max(MIN_QUEUE_BYTES, inFlight));

    this.acceptor = Acceptor.bind("SlowLink");
    acceptor.start("slow-link-" + port() + "-accept", Connection::new);
    LOG.debug(
        "SlowLink {} -> {} at {} B/s, {} ms one way",
        port(),
        target,
        bytesPerSecond == Long.MAX_VALUE ? "unlimited" : bytesPerSecond,
        TimeUnit.NANOSECONDS.toMillis(delayNanos));
  }

  /** Starts configuring a link. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures a {@link SlowLink} before it binds its port. */
  public static final class Builder {
    private InetSocketAddress target;
    private long bytesPerSecond = Long.MAX_VALUE;
    private Duration oneWayDelay = Duration.ZERO;

    private Builder() {}

    /** Where each accepted connection is relayed to. Required. */
    public Builder target(InetSocketAddress target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** The bandwidth of each direction, in bytes per second. Defaults to unlimited. */
    public Builder bytesPerSecond(long bytesPerSecond) {
      if (bytesPerSecond <= 0) {
        throw new IllegalArgumentException("bytesPerSecond must be positive: " + bytesPerSecond);
      }
      this.bytesPerSecond = bytesPerSecond;
      return this;
    }

    /**
     * The latency added to each direction, so a round trip takes at least twice this. Defaults to
     * zero.
     */
    public Builder oneWayDelay(Duration delay) {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative() || delay.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("delay must be between 0 and 1 min: " + delay);
      }
      this.oneWayDelay = delay;
      return this;
    }

    /** Binds 127.0.0.1 on an ephemeral port and starts relaying. */
    public SlowLink start() throws IOException {
      if (target == null) {
        throw new IllegalStateException("no target");
      }
      return new SlowLink(this);
    }
  }

  /** The port the link listens on. */
  public int port() {
    return acceptor.port();
  }

  /** The bound socket address (always 127.0.0.1); connect here instead of to the target. */
  public InetSocketAddress address() {
    return acceptor.address();
  }

  /**
   * Stops accepting, closes every relayed connection at once (bytes still in flight are dropped),
   * and waits (bounded) for all threads of the link to end. Safe to call more than once.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed.countDown();
    acceptor.close();
    LOG.debug("SlowLink {} closed", port());
  }

  @Override
  public String toString() {
    return "SlowLink{" + address() + " -> " + target + "}";
  }

  /**
   * Sleeps until {@code deadline} (a {@link System#nanoTime()} value).
   *
   * @return false if the link closed meanwhile
   */
  private boolean sleepUntil(long deadline) {
    long wait = deadline - System.nanoTime();
    if (wait <= 0) {
      return !closing.get();
    }
    try {
      return !closed.await(wait, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** One client connection and its connection to the target. */
  private final class Connection implements Acceptor.Connection {
    private final String name;
    private final Socket client;
    private final DelayLine upLine = new DelayLine(queueBytes);
    private final DelayLine downLine = new DelayLine(queueBytes);

    /** The four pumps; the last one to end closes both sockets. */
    private final AtomicInteger runningPumps = new AtomicInteger(4);

    private Socket server; // guarded by this
    private boolean aborted; // guarded by this

    Connection(int id, Socket client) {
      this.name = "slow-link-" + port() + "-" + id;
      this.client = client;
    }

    @Override
    public String threadName() {
      return name + "-up-read";
    }

    /** Connects to the target, starts the other three pumps and becomes the upstream reader. */
    @Override
    public void serve() {
      Socket up = new Socket();
      try {
        attachServer(up);
        up.connect(target, TARGET_CONNECT_TIMEOUT_MILLIS);
        up.setTcpNoDelay(true);
        client.setTcpNoDelay(true);
      } catch (IOException e) {
        LOG.debug("{}: cannot reach {}: {}", name, target, e.toString());
        abort();
        finished();
        return;
      }
      LOG.debug("{}: relaying {} to {}", name, client.getRemoteSocketAddress(), target);
      startPump("-up-write", () -> write(upLine, up));
      startPump("-down-read", () -> read(up, downLine));
      startPump("-down-write", () -> write(downLine, client));
      pump(() -> read(client, upLine));
    }

    private void startPump(String role, IoTask task) {
      try {
        acceptor.workers().start(name + role, () -> pump(task));
      } catch (RejectedExecutionException e) {
        abort(); // the link is closing: the pumps that did start end on the closed sockets
        pumpEnded();
      }
    }

    /** Runs one direction's reader or writer; any failure ends the whole connection. */
    private void pump(IoTask task) {
      try {
        task.run();
      } catch (IOException e) {
        if (!closing.get()) {
          LOG.debug("{}: {} ended: {}", name, Thread.currentThread().getName(), e.toString());
        }
        abort();
      } finally {
        pumpEnded();
      }
    }

    private void pumpEnded() {
      if (runningPumps.decrementAndGet() == 0) {
        abort();
        finished();
      }
    }

    /** Lets bytes from {@code from} into {@code line} at the link's rate, stamped with when due. */
    private void read(Socket from, DelayLine line) throws IOException {
      InputStream in = from.getInputStream();
      byte[] buffer = new byte[chunkBytes];
      long earliest = System.nanoTime(); // when the bucket next allows a read
      long burstNanos = nanosFor(chunkBytes);
      while (sleepUntil(earliest)) {
        int n = in.read(buffer);
        long now = System.nanoTime();
        if (n < 0) {
          line.put(Chunk.end(now + delayNanos));
          return;
        }
        // Token bucket holding one chunk: idle time earns at most one chunk of credit.
        earliest = Math.max(earliest, now - burstNanos) + nanosFor(n);
        if (!line.put(new Chunk(Arrays.copyOf(buffer, n), now + delayNanos))) {
          return;
        }
      }
    }

    /** Writes each chunk of {@code line} to {@code to} when it is due; half-closes at the end. */
    private void write(DelayLine line, Socket to) throws IOException {
      OutputStream out = to.getOutputStream();
      for (Chunk chunk; (chunk = line.take()) != null; ) {
        if (!sleepUntil(chunk.dueNanos)) {
          return;
        }
        if (chunk.bytes == null) {
          to.shutdownOutput();
          return;
        }
        out.write(chunk.bytes);
      }
    }

    private long nanosFor(int bytes) {
      return bytesPerSecond == Long.MAX_VALUE ? 0 : bytes * 1_000_000_000L / bytesPerSecond;
    }

    private synchronized void attachServer(Socket socket) throws IOException {
      server = socket;
      if (aborted) {
        throw new IOException("link closed");
      }
    }

    /** Closes both sockets and both lines, which ends every pump of this connection. */
    @Override
    public void abort() {
      Socket up;
      synchronized (this) {
        aborted = true;
        up = server;
      }
      upLine.close();
      downLine.close();
      IoUtil.closeQuietly(up);
      IoUtil.closeQuietly(client);
    }

    void finished() {
      acceptor.finished(this);
      LOG.debug("{}: closed", name);
    }
  }

  @FunctionalInterface
  private interface IoTask {
    void run() throws IOException;
  }

  /** Bytes read at one time, or the end of the stream when {@code bytes} is null. */
  private static final class Chunk {
    final byte[] bytes;
    final long dueNanos;

    Chunk(byte[] bytes, long dueNanos) {
      this.bytes = bytes;
      this.dueNanos = dueNanos;
    }

    static Chunk end(long dueNanos) {
      return new Chunk(null, dueNanos);
    }

    int size() {
      return bytes == null ? 0 : bytes.length;
    }
  }

  /**
   * The chunks in flight in one direction, in order. Bounded in bytes so that a receiver that stops
   * reading stalls the reader, and through TCP flow control the sender, instead of filling the
   * heap. Every wait ends on {@link #close()}.
   */
  private static final class DelayLine {
    private final long capacity;
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>(); // guarded by this
    private long bytes; // guarded by this
    private boolean closed; // guarded by this

    DelayLine(long capacity) {
      this.capacity = capacity;
    }

    /**
     * Appends {@code chunk}, waiting for room; a chunk larger than the whole capacity still fits
     * into an empty line.
     *
     * @return false if the line was closed
     */
    synchronized boolean put(Chunk chunk) throws IOException {
      while (!closed && bytes > 0 && bytes + chunk.size() > capacity) {
        await();
      }
      if (closed) {
        return false;
      }
      chunks.add(chunk);
      bytes += chunk.size();
      notifyAll();
      return true;
    }

    /** Removes the oldest chunk, waiting for one; null once the line is closed. */
    synchronized Chunk take() throws IOException {
      while (!closed && chunks.isEmpty()) {
        await();
      }
      if (closed) {
        return null;
      }
      Chunk chunk = chunks.remove();
      bytes -= chunk.size();
      notifyAll();
      return chunk;
    }

    synchronized void close() {
      closed = true;
      chunks.clear();
      notifyAll();
    }

    private void await() throws IOException {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }
}
