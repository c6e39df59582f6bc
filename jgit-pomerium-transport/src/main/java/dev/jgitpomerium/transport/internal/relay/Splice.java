package dev.jgitpomerium.transport.internal.relay;

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes both ways between JGit's local connection and a tunnel: from the tunnel on the calling thread, to
 * the tunnel on the relay's {@link SpliceSelector}, so an open tunnel holds one thread of its own.
 *
 * <p>The first direction to end closes both sides: SSH has its own end-of-stream messages, and TLS 1.2 cannot
 * half-close anyway (pomerium-cli does the same).
 */
final class Splice {
  private static final Logger log = LoggerFactory.getLogger(Splice.class);
  /** One TLS record's payload: a TLS socket returns at most that per read. */
  private static final int RECORD_BYTES = 16 * 1024;
  /**
   * Bytes from the tunnel that go to JGit in one write: a pack arrives as a run of full records, and writing four at
   * once saves three loopback writes and three wake-ups of JGit's reader.
   */
  private static final int DOWNSTREAM_CHUNK_BYTES = 4 * RECORD_BYTES;
  /**
   * JGit before 7.8.1 dropped bytes that arrived in the same read as the proxy's 200 (eclipse-jgit/jgit#270), so the
   * server's banner is held back until JGit has sent its own, which it does at once; the cap is a safety net.
   */
  private static final long HOLD_SERVER_BYTES_MILLIS = 5_000;

  private final Socket local;
  private final SocketChannel channel;
  private final Tunnel tunnel;
  private final PomeriumEventListener listener;
  private final SpliceSelector selector;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final CountDownLatch clientSpoke = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Set by the selector while a read of the local side is being written to the tunnel. */
  volatile boolean writing;
  /** Waits for room towards JGit when it reads slower than the tunnel delivers; opened the first time. */
  private volatile Selector writable;

  /** {@code local} must come from a {@code ServerSocketChannel}: its channel is watched by {@code selector}. */
  Splice(Socket local, Tunnel tunnel, PomeriumEventListener listener, SpliceSelector selector) {
    this.local = local;
    this.channel = local.getChannel();
    this.tunnel = tunnel;
    this.listener = listener;
    this.selector = selector;
  }

  SocketChannel localChannel() {
    return channel;
  }

  /** Relays until either side ends, then closes both. */
  void run() {
    try {
      selector.register(this);
      clientSpoke.await(HOLD_SERVER_BYTES_MILLIS, TimeUnit.MILLISECONDS);
      copyFromTunnel(tunnel.inputStream());
    } catch (IOException | ClosedSelectorException e) {
      log.debug("{}: tunnel side ended: {}", tunnel, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close();
      Sockets.closeQuietly(writable);
      long s = sent.get();
      long r = received.get();
      log.debug("{} closed: {} bytes sent, {} received", tunnel, s, r);
      if (tunnel.route() != null) {
        Events.safely(() -> listener.tunnelClosed(tunnel.id(), tunnel.route(), s, r));
      }
    }
  }

  /** Gathers the records that have already arrived into one write. */
  private void copyFromTunnel(InputStream in) throws IOException {
    byte[] buffer = new byte[DOWNSTREAM_CHUNK_BYTES];
    ByteBuffer out = ByteBuffer.wrap(buffer);
    boolean ended = false;
    while (!ended) {
      int n = in.read(buffer, 0, RECORD_BYTES);
      if (n < 0) {
        return;
      }
      while (buffer.length - n >= RECORD_BYTES && tunnel.recordWaiting()) {
        int more = in.read(buffer, n, RECORD_BYTES);
        if (more < 0) {
          ended = true;
          break;
        }
        n += more;
      }
      out.clear().limit(n);
      writeLocal(out);
      received.addAndGet(n);
    }
  }

  /** Writes all of {@code out} to the non-blocking local channel, waiting for room when JGit lags. */
  private void writeLocal(ByteBuffer out) throws IOException {
    while (out.hasRemaining()) {
      if (channel.write(out) == 0) {
        if (writable == null) {
          writable = Selector.open();
          channel.register(writable, SelectionKey.OP_WRITE);
        }
        if (closed.get()) {
          throw new IOException("closed");
        }
        writable.select();
        writable.selectedKeys().clear();
      }
    }
  }

  /** Called by the selector: JGit's bytes for the tunnel; false if the tunnel failed (the splice is closed then). */
  boolean toTunnel(byte[] bytes, int n) {
    clientSpoke.countDown();
    try {
      OutputStream out = tunnel.outputStream();
      out.write(bytes, 0, n);
      out.flush();
      sent.addAndGet(n);
      return true;
    } catch (IOException e) {
      log.debug("{}: tunnel write failed: {}", tunnel, e.toString());
      close();
      return false;
    }
  }

  /** Called by the selector: the local side ended ({@code failure} null at end of stream). */
  void localEnded(IOException failure) {
    log.debug("{}: local side ended{}", tunnel, failure == null ? "" : ": " + failure);
    close();
  }

  /** Ends both sides; safe to call from any thread, any number of times. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      clientSpoke.countDown();
      selector.unregister(this);
      Sockets.closeQuietly(local);
      tunnel.close();
      Selector w = writable;
      if (w != null) {
        w.wakeup();
      }
    }
  }

  @Override
  public String toString() {
    return tunnel.toString();
  }
}
