package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.time.Duration;
import org.apache.sshd.client.session.ClientSession;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;

/**
 * The keepalive policy of a session: the interval and count set in code or the environment, else the target's {@code
 * ServerAliveInterval} and {@code ServerAliveCountMax} in ssh config (from the lookup JGit made for the session),
 * else {@link PomeriumSshSessionFactory#DEFAULT_SERVER_ALIVE_SECONDS} and {@link
 * PomeriumSshSessionFactory#DEFAULT_SERVER_ALIVE_COUNT_MAX}. Also turns Nagle's algorithm off, makes the session's
 * close end its read cycle before JGit stops its client ({@link OrderlyClose}), and lets the client's idle worker
 * threads end ({@link IdleThreads}).
 */
public final class KeepAlive {
  private KeepAlive() {}

  /**
   * @param interval set in code or the environment, or null
   * @param countMax set in code or the environment, or null
   * @param target the target's ssh config entry JGit looked up, or null without ssh config
   */
  public static void start(SshdSession session, URIish uri, Duration interval, Integer countMax,
      SshConfig.HostEntry target, PomeriumEventListener listener) {
    String server = uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 22);
    if (target != null) {
      server = target.host() + ":" + target.port();
      interval = interval != null ? interval : target.serverAliveInterval();
      countMax = countMax != null ? countMax : target.serverAliveCountMax();
    }
    ClientSession client = JGitSessions.clientSession(session, server);
    if (client != null) {
      JGitSessions.disableNagle(client);
      OrderlyClose.install(client);
      IdleThreads.trim(client);
      ServerAlive.start(client, interval != null ? interval
          : Duration.ofSeconds(PomeriumSshSessionFactory.DEFAULT_SERVER_ALIVE_SECONDS),
          countMax != null ? countMax : PomeriumSshSessionFactory.DEFAULT_SERVER_ALIVE_COUNT_MAX, server, listener);
    }
  }
}
