package dev.jgitpomerium.transport.internal.session;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.net.StandardSocketOptions;
import java.util.function.Supplier;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.io.nio2.Nio2Session;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sshd session under a JGit {@link SshdSession}, and what this library sets on it. JGit keeps the session private
 * and offers no hook to configure it (no ServerAliveInterval, no TCP_NODELAY), so the one field is read reflectively;
 * if a JGit version moves it, the session works as JGit made it and a warning says what is missing.
 */
public final class JGitSessions {
  private static final Logger log = LoggerFactory.getLogger(JGitSessions.class);
  private static final Field SESSION_FIELD = sessionField();
  private static final Constructor<SshdSession> CONSTRUCTOR = constructor();
  /** Never started, so stopping it (JGit does when a session disconnects) does nothing. */
  private static final SshClient DORMANT_CLIENT = new SshClient();

  private JGitSessions() {}

  private static Field sessionField() {
    try {
      Field field = SshdSession.class.getDeclaredField("session");
      field.setAccessible(true);
      return ClientSession.class.isAssignableFrom(field.getType()) ? field : null;
    } catch (NoSuchFieldException | RuntimeException e) {
      return null;
    }
  }

  private static Constructor<SshdSession> constructor() {
    try {
      Constructor<SshdSession> c = SshdSession.class.getDeclaredConstructor(URIish.class, Supplier.class);
      c.setAccessible(true);
      return c;
    } catch (NoSuchMethodException | RuntimeException e) {
      return null;
    }
  }

  /** Whether JGit sessions can be made on an sshd session of this library's choosing ({@link #sessionOn}). */
  public static boolean canShare() {
    return SESSION_FIELD != null && CONSTRUCTOR != null;
  }

  /**
   * A JGit session on {@code session}, which JGit did not open: for a connection shared between JGit operations. Its
   * {@code disconnect()} closes {@code session} and stops a client that was never started. Null (logged) if this JGit
   * version does not allow it.
   */
  public static SshdSession sessionOn(URIish uri, ClientSession session) {
    try {
      SshdSession jgit = CONSTRUCTOR.newInstance(uri, (Supplier<SshClient>) () -> DORMANT_CLIENT);
      SESSION_FIELD.set(jgit, session);
      return jgit;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("SSH connections are not shared: this JGit version does not make sessions as jgit-pomerium expects "
          + "({})", e.toString());
      return null;
    }
  }

  /** The sshd session, or null (logged) if this JGit version keeps it elsewhere. */
  public static ClientSession clientSession(SshdSession jgitSession, String server) {
    try {
      if (SESSION_FIELD != null && SESSION_FIELD.get(jgitSession) instanceof ClientSession session) {
        return session;
      }
    } catch (IllegalAccessException | RuntimeException e) {
      // reported below
    }
    log.warn("cannot tune the SSH session to {}: this JGit version does not keep its sshd session where "
        + "jgit-pomerium expects it; no SSH keepalives are sent, and idle connections may be cut", server);
    return null;
  }

  /**
   * Turns Nagle's algorithm off on the session's socket, as on every other hop of the tunnel. sshd leaves it on, and
   * git's request-reply exchanges then wait for delayed acknowledgements: about 40 ms a round trip, which made an
   * {@code ls-remote} take 100 ms instead of 15 (docs/benchmarks.md). The key exchange before this point still waits.
   */
  public static void disableNagle(ClientSession session) {
    IoSession io = session.getIoSession();
    if (io instanceof Nio2Session nio2) {
      try {
        nio2.getSocket().setOption(StandardSocketOptions.TCP_NODELAY, true);
      } catch (IOException | RuntimeException e) {
        log.debug("TCP_NODELAY not set on {}: {}", io, e.toString());
      }
    }
  }
}
