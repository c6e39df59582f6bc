package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.internal.Events;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.kex.KexState;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenSSH's {@code ServerAliveInterval} for JGit's sshd sessions, which JGit lacks: every interval, a {@code
 * keepalive@openssh.com} global request that wants a reply. The traffic keeps proxies and load balancers that cut idle
 * connections (Envoy's {@code idle_timeout} behind Pomerium) from closing a session in a silent phase, such as a
 * server hook that runs for minutes. A session whose server leaves {@code countMax} requests in a row unanswered is
 * closed, as OpenSSH does ("Timeout, server not responding"), so a dead peer ends a fetch or push instead of hanging
 * it.
 */
public final class ServerAlive implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.SERVER_ALIVE);
  private static final String REQUEST = "keepalive@openssh.com";

  private final ClientSession session;
  private final Duration interval;
  private final int countMax;
  private final String server;
  private final PomeriumEventListener listener;
  private final AtomicInteger unanswered = new AtomicInteger();
  private volatile ScheduledFuture<?> task;

  private ServerAlive(ClientSession session, Duration interval, int countMax, String server,
      PomeriumEventListener listener) {
    this.session = session;
    this.interval = interval;
    this.countMax = countMax;
    this.server = server;
    this.listener = listener;
  }

  /**
   * Starts keepalives on {@code session} until it closes; none if {@code interval} is zero.
   *
   * @param server the host and port, for messages
   * @param listener told when the session is closed because the server stopped answering
   */
  public static void start(ClientSession session, Duration interval, int countMax, String server,
      PomeriumEventListener listener) {
    if (interval.isZero()) {
      return;
    }
    ServerAlive alive = new ServerAlive(session, interval, countMax, server, listener);
    // The sshd client's own timer: it belongs to this session's client and ends with it.
    ScheduledExecutorService timer = session.getFactoryManager().getScheduledExecutorService();
    long millis = interval.toMillis();
    alive.task = timer.scheduleWithFixedDelay(alive, millis, millis, TimeUnit.MILLISECONDS);
    // Runs at once if the session has already closed.
    session.addCloseFutureListener(closed -> alive.task.cancel(false));
  }

  @Override
  public void run() {
    try {
      if (!session.isOpen()) {
        task.cancel(false);
        return;
      }
      if (session.getKexState() != KexState.DONE) {
        return; // global requests wait for a key exchange to finish; a slow one is not silence
      }
      if (unanswered.incrementAndGet() > countMax) {
        Duration silent = interval.multipliedBy(countMax);
        log.warn("Timeout, server {} not responding: {} SSH keepalives in a row got no answer in {} s; closing the "
            + "connection", server, countMax, silent.toSeconds());
        task.cancel(false);
        Events.safely(() -> listener.serverNotResponding(server, silent));
        session.exceptionCaught(new SshException("Timeout, server " + server + " not responding: no answer to "
            + countMax + " SSH keepalives over " + silent.toSeconds() + " s"));
        return;
      }
      Buffer request = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, REQUEST.length() + 16);
      request.putString(REQUEST);
      request.putBoolean(true);
      // Success, failure and "unimplemented" all prove the server is there.
      session.request(request, REQUEST, (command, reply) -> unanswered.set(0));
    } catch (IOException | RuntimeException e) {
      log.debug("SSH keepalive to {} not sent: {}", server, e.toString());
    }
  }
}
