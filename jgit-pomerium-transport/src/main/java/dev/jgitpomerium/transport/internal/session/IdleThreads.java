package dev.jgitpomerium.transport.internal.session;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.io.AbstractIoServiceFactory;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the worker threads of a session's sshd client end while the session is idle.
 *
 * <p>JGit gives every session an {@code SshClient} of its own. Its NIO2 service keeps a fixed pool of (cores + 1)
 * worker threads that run the read and write completions, and a pool that resumes reads after flow control, whose
 * threads never end: with the JDK's I/O thread of the channel group and the client's timer, six threads for each open
 * session, four of them idle between git operations (docs/benchmarks.md). Here both pools let an idle thread end after
 * {@link #KEEP_ALIVE}; the next completion starts one again (a thread start, microseconds, against a network round
 * trip). An idle session keeps the JDK's I/O thread, which waits in epoll for the server, and the timer, which runs
 * the keepalives: two threads. Channels have no threads of their own, so another channel adds none.
 */
public final class IdleThreads {
  /** Longer than the pauses inside a git operation, far shorter than the time a reused connection idles. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(IdleThreads.class);
  private static final Field RESUMING = resumingField();

  private IdleThreads() {}

  private static Field resumingField() {
    try {
      Field field = Nio2ServiceFactory.class.getDeclaredField("resuming");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException | RuntimeException e) {
      return null;
    }
  }

  /** Lets the idle worker threads of {@code session}'s client end (JGit makes one client per session). */
  public static void trim(ClientSession session) {
    IoServiceFactory io = session.getFactoryManager().getIoServiceFactory();
    if (io instanceof AbstractIoServiceFactory service) {
      retire(service.getExecutorService());
    }
    if (io instanceof Nio2ServiceFactory && RESUMING != null) {
      try {
        retire(RESUMING.get(io));
      } catch (IllegalAccessException | RuntimeException e) {
        log.debug("the read-resuming threads of {} stay: {}", session, e.toString());
      }
    }
  }

  private static void retire(Object executor) {
    if (executor instanceof ThreadPoolExecutor pool && !pool.isShutdown()) {
      pool.setKeepAliveTime(KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
      pool.allowCoreThreadTimeOut(true);
    }
  }
}
