package dev.jgitpomerium.transport.internal.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread for all of a relay's splices that carries JGit's bytes to their tunnels, so that an open tunnel holds
 * only its own reading thread: the local connections are read when a selector says they are readable, and each read
 * goes to its tunnel at once, on this thread.
 *
 * <p>A write to a tunnel blocks when Pomerium's side stops taking bytes (a push on a slow link, a dead peer). So that
 * one tunnel cannot hold up the others, the relay's timer calls {@link #checkStuck()}: a write that has lasted longer
 * than {@link #STUCK_WRITE_NANOS} leaves its thread to finish it alone, and a new thread carries on with the rest.
 * That tunnel is not read again until its write is done, which keeps its bytes in order. In the common case no
 * write blocks for long, and a message from JGit costs one wake-up of this thread, one read and one write.
 */
final class SpliceSelector {
  private static final Logger log = LoggerFactory.getLogger(SpliceSelector.class);
  /** One TLS record's payload: what one write to a tunnel makes into one record. */
  private static final int READ_BYTES = 16 * 1024;
  static final long STUCK_WRITE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Selector selector;
  private final String threadName;
  /** Held while selecting and handling keys; released during a write to a tunnel. */
  private final ReentrantLock lock = new ReentrantLock();
  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private volatile Thread owner;
  private volatile long writingSince;
  private volatile boolean closed;
  private int generation;

  SpliceSelector(String threadName) throws IOException {
    this.selector = Selector.open();
    this.threadName = threadName;
  }

  /** Starts carrying {@code splice}'s local bytes to its tunnel; its channel becomes non-blocking. */
  void register(Splice splice) throws IOException {
    SocketChannel channel = splice.localChannel();
    channel.configureBlocking(false);
    pending.add(() -> {
      try {
        channel.register(selector, SelectionKey.OP_READ, splice);
      } catch (IOException | RuntimeException e) {
        log.debug("{}: could not watch the local side: {}", splice, e.toString());
        splice.close();
      }
    });
    ensureRunning();
    selector.wakeup();
  }

  private synchronized void ensureRunning() {
    if (owner == null && !closed) {
      startThread();
    }
  }

  private synchronized void startThread() {
    Thread t = new Thread(this::loop, threadName + (generation++ == 0 ? "" : "-" + generation));
    t.setDaemon(true);
    owner = t;
    t.start();
  }

  /** Called by the relay's timer: hands the loop to a new thread if the current one is stuck in a write. */
  void checkStuck() {
    long since = writingSince;
    if (since != 0 && System.nanoTime() - since > STUCK_WRITE_NANOS && !closed) {
      synchronized (this) {
        if (writingSince == since) {
          log.debug("a tunnel write has been blocked for over {} ms; another thread takes over the relay's loop",
              TimeUnit.NANOSECONDS.toMillis(STUCK_WRITE_NANOS));
          writingSince = 0;
          startThread();
        }
      }
    }
  }

  private void loop() {
    Thread me = Thread.currentThread();
    ByteBuffer buffer = ByteBuffer.allocate(READ_BYTES);
    lock.lock();
    try {
      while (owner == me && !closed) {
        for (Runnable r; (r = pending.poll()) != null; ) {
          r.run();
        }
        selector.select();
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext() && owner == me) {
          SelectionKey key = keys.next();
          keys.remove();
          if (!carry(key, buffer, me)) {
            return; // replaced while writing: the new thread owns the selector now
          }
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) {
        log.warn("relay loop failed", e);
      }
    } finally {
      if (lock.isHeldByCurrentThread()) {
        lock.unlock();
      }
    }
  }

  /** Reads what {@code key}'s local side has and writes it to the tunnel; false if this thread lost the loop. */
  private boolean carry(SelectionKey key, ByteBuffer buffer, Thread me) {
    Splice splice = (Splice) key.attachment();
    if (splice.writing) {
      // A thread that lost the loop is still writing this tunnel's last read: in order, nothing more is read from
      // it until that is done (the thread then asks for the key to be resumed).
      pause(key);
      return true;
    }
    int n;
    try {
      buffer.clear();
      n = splice.localChannel().read(buffer);
    } catch (IOException e) {
      splice.localEnded(e);
      return true;
    }
    if (n < 0) {
      splice.localEnded(null);
      return true;
    }
    if (n == 0) {
      return true;
    }
    splice.writing = true;
    writingSince = System.nanoTime() | 1;
    lock.unlock();
    boolean written = splice.toTunnel(buffer.array(), n);
    boolean mine;
    synchronized (this) {
      mine = owner == me;
      if (mine) {
        writingSince = 0;
      }
    }
    splice.writing = false;
    if (!mine) {
      if (written) {
        pending.add(() -> resume(key));
        selector.wakeup();
      }
      return false;
    }
    lock.lock();
    return true;
  }

  private static void pause(SelectionKey key) {
    try {
      key.interestOps(0);
    } catch (CancelledKeyException e) {
      // closed meanwhile
    }
  }

  private static void resume(SelectionKey key) {
    try {
      if (key.isValid()) {
        key.interestOps(SelectionKey.OP_READ);
      }
    } catch (CancelledKeyException e) {
      // closed meanwhile
    }
  }

  /** Forgets a splice's channel (closing the channel does that too). */
  void unregister(Splice splice) {
    SelectionKey key = splice.localChannel().keyFor(selector);
    if (key != null) {
      key.cancel();
      selector.wakeup();
    }
  }

  void close() {
    closed = true;
    try {
      selector.close();
    } catch (IOException e) {
      // best effort
    }
  }
}
