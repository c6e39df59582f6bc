package dev.jgitpomerium.transport.internal.session;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.io.nio2.Nio2Session;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a session's read cycle before JGit stops its sshd client, so that no read is in flight when the client's
 * executor shuts down.
 *
 * <p>JGit's {@code SshdSession.disconnect()} closes the session at once and then stops the session's own {@code
 * SshClient}, which shuts the executor of its NIO2 channel group down. The JDK's I/O thread of that group ("Thread-N")
 * takes a completed read from epoll and only then hands it to the executor; if the server's last packets (the reply
 * to the channel close) arrive just as the client closes, and that thread loses the CPU between the two steps, the
 * close and the stop finish first and the hand-over throws {@code IllegalStateException: Executor has been shut
 * down} (sshd's {@code NoCloseExecutor}) as an uncaught exception in that thread: Apache MINA SSHD issue 409, seen by
 * the benchmark on direct and tunnelled sessions alike.
 *
 * <p>So when a session starts closing immediately on a thread that is not its reader, its socket's input is shut down
 * first and the close waits, {@linkplain #BOUND bounded}, until the read cycle has seen the end of input and closed
 * the I/O session. That read's hand-over runs while the executor is still there, and the closed I/O session reads no
 * more: when JGit stops the client, nothing of this session is in flight. Shutting the input is local (no round trip
 * to the server) and the close sends the server what JGit's close sent before.
 */
public final class OrderlyClose implements SessionListener {
  /** Longer than a local read hand-over ever takes; a close that exceeds it goes on as JGit's would. */
  static final Duration BOUND = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(OrderlyClose.class);
  private static final OrderlyClose INSTANCE = new OrderlyClose();
  private static final Field READER_THREAD = field(Nio2Session.class, "readerThread");
  private static final Field STATE = field(AbstractCloseable.class, "state");

  private OrderlyClose() {}

  /** Makes every later close of {@code session} end its read cycle first. */
  public static void install(ClientSession session) {
    session.addSessionListener(INSTANCE);
  }

  private static Field field(Class<?> type, String name) {
    try {
      Field field = type.getDeclaredField(name);
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException | RuntimeException e) {
      return null;
    }
  }

  /** Called as the session starts closing, on the closing thread, before its socket is closed. */
  @Override
  public void sessionClosed(Session session) {
    if (!(session.getIoSession() instanceof Nio2Session io) || !io.isOpen() || !closingImmediately(session)
        || onReaderThread(io)) {
      // A graceful close still reads the server's replies; the reader itself must not wait for its own next read.
      return;
    }
    CountDownLatch ioClosed = new CountDownLatch(1);
    io.addCloseFutureListener(closed -> ioClosed.countDown());
    try {
      io.getSocket().shutdownInput();
    } catch (IOException | RuntimeException e) {
      log.debug("input of {} not shut down: {}", io, e.toString());
      return;
    }
    // A read parked by flow control must run to see the end of input.
    io.resumeRead();
    try {
      if (!ioClosed.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
        log.debug("{} did not see the end of its input within {} ms; closing it anyway", io, BOUND.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether the close is an immediate one (JGit's); unknown counts as immediate. */
  private static boolean closingImmediately(Session session) {
    try {
      if (STATE != null && session instanceof AbstractCloseable && STATE.get(session) instanceof AtomicReference<?> s) {
        return "Immediate".equals(String.valueOf(s.get()));
      }
    } catch (IllegalAccessException | RuntimeException e) {
      // as unknown
    }
    return true;
  }

  /** Whether this thread is running the session's read completion (which issues the next read only when it returns). */
  private static boolean onReaderThread(Nio2Session io) {
    if (READER_THREAD == null) {
      return true; // cannot tell: never risk waiting on this thread's own next read
    }
    try {
      return READER_THREAD.get(io) == Thread.currentThread();
    } catch (IllegalAccessException | RuntimeException e) {
      return true;
    }
  }
}
