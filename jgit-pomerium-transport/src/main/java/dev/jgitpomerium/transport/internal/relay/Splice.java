package dev.jgitpomerium.transport.internal.relay;

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes both ways between JGit's local connection and a Pomerium tunnel, on the calling thread and one more.
 *
 * <p>The first direction to end closes both sockets: SSH has its own end-of-stream messages, and TLS 1.2 cannot
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
  private final Tunnel tunnel;
  private final PomeriumEventListener listener;
  private final String threadName;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final CountDownLatch clientSpoke = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();

  Splice(Socket local, Tunnel tunnel, PomeriumEventListener listener, String threadName) {
    this.local = local;
    this.tunnel = tunnel;
    this.listener = listener;
    this.threadName = threadName;
  }

  /** Relays until either side ends, then closes both. */
  void run() {
    Thread downstream = new Thread(this::copyFromTunnel, threadName);
    downstream.setDaemon(true);
    downstream.start();
    try {
      copyToTunnel(local.getInputStream(), tunnel.outputStream());
    } catch (IOException e) {
      log.debug("{}: local side ended: {}", tunnel, e.toString());
    } finally {
      close();
      try {
        downstream.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      long s = sent.get();
      long r = received.get();
      log.debug("{} closed: {} bytes sent, {} received", tunnel, s, r);
      if (tunnel.route() != null) {
        Events.safely(() -> listener.tunnelClosed(tunnel.id(), tunnel.route(), s, r));
      }
    }
  }

  private void copyFromTunnel() {
    try {
      clientSpoke.await(HOLD_SERVER_BYTES_MILLIS, TimeUnit.MILLISECONDS);
      copyFromTunnel(tunnel.inputStream(), local.getOutputStream());
    } catch (IOException e) {
      log.debug("{}: tunnel side ended: {}", tunnel, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close();
    }
  }

  /** Gathers the records that have already arrived into one write. */
  private void copyFromTunnel(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[DOWNSTREAM_CHUNK_BYTES];
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
      out.write(buffer, 0, n);
      out.flush();
      received.addAndGet(n);
    }
  }

  private void copyToTunnel(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[RECORD_BYTES];
    int n;
    while ((n = in.read(buffer)) != -1) {
      clientSpoke.countDown();
      out.write(buffer, 0, n);
      out.flush();
      sent.addAndGet(n);
    }
  }

  /** Ends both sides; safe to call from any thread, any number of times. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      clientSpoke.countDown();
      Sockets.closeQuietly(local);
      tunnel.close();
    }
  }
}
