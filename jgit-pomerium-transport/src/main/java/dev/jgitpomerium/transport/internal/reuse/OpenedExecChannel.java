package dev.jgitpomerium.transport.internal.reuse;

import java.io.IOException;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Map;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.PtyChannelConfigurationHolder;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.session.ConnectionService;

/**
 * An exec channel on a shared connection, opened when JGit asks for it rather than when JGit opens it: if the
 * connection refuses it after it has carried channels (OpenSSH's {@code MaxSessions}) or has been closed, the lease
 * moves to another connection (opening one if need be) and the channel is made there, so the operation does not fail
 * for it. JGit's own {@code open()} then gets the outcome of that first open.
 */
final class OpenedExecChannel extends ChannelExec {
  /** Refusals in a row before the operation fails: each move lowers a connection's capacity or drops it. */
  private static final int ATTEMPTS = 4;
  /** How long a refused channel waits for ended ones to finish closing before it goes elsewhere. */
  private static final Duration CLOSING_WAIT = Duration.ofSeconds(2);
  /** How long a kept connection may take to open a channel before it is taken for dead and replaced. */
  private static final Duration KEPT_CONNECTION_OPEN_WAIT = Duration.ofSeconds(5);
  /** How long after our side sees a channel closed the server is given to free it (OpenSSH takes a millisecond). */
  private static final Duration CLOSE_PROCESSING = Duration.ofMillis(50);

  private OpenFuture opened;

  private OpenedExecChannel(String command, Charset charset, PtyChannelConfigurationHolder pty, Map<String, ?> env) {
    super(command, charset, pty, env);
  }

  private OpenedExecChannel(String command, PtyChannelConfigurationHolder pty, Map<String, ?> env) {
    super(command, pty, env);
  }

  /** Opens {@code command}'s channel on {@code lease}'s connection, or on another one when that one cannot take it. */
  static ChannelExec open(Lease lease, String command, Charset charset, PtyChannelConfigurationHolder pty,
      Map<String, ?> env) throws IOException {
    Duration timeout = lease.channelTimeout();
    boolean waited = false;
    for (int attempt = 1; ; attempt++) {
      SharedConnection connection = lease.connection();
      boolean full = connection.hostedChannel || connection.leases > 1;
      OpenedExecChannel channel = charset != null ? new OpenedExecChannel(command, charset, pty, env)
          : new OpenedExecChannel(command, pty, env);
      OpenFuture opening;
      try {
        connection.client.getService(ConnectionService.class).registerChannel(channel);
        opening = channel.openFirst();
      } catch (IOException | RuntimeException e) {
        channel.close(true);
        if (attempt < ATTEMPTS && !connection.usable()) {
          lease.replace(connection, false);
          continue;
        }
        throw e;
      }
      // A connection that has carried channels answers within a round trip; one that does not is taken for dead.
      boolean kept = connection.hostedChannel;
      Duration wait = kept && timeout.compareTo(KEPT_CONNECTION_OPEN_WAIT) > 0 ? KEPT_CONNECTION_OPEN_WAIT : timeout;
      if (!opening.await(wait.toMillis())) {
        channel.close(true);
        if (kept && attempt < ATTEMPTS) {
          if (connection.carriesOpenChannels()) {
            lease.shun(connection); // busy, perhaps only slow: leave it to its operations and keepalives
          } else {
            lease.replaceDead(connection);
          }
          continue;
        }
        throw new SshException("the SSH server " + lease.uri().getHost() + " did not open a channel within "
            + wait.toSeconds() + " s; check that it is up and reachable, then try again");
      }
      if (opening.isOpened()) {
        connection.track(channel);
        return channel;
      }
      Throwable why = opening.getException();
      channel.close(true);
      boolean refused = why instanceof SshChannelOpenException && full && connection.usable();
      if (attempt < ATTEMPTS && refused && !connection.carriesOpenChannels() && !waited) {
        // Only ended channels on it: the server has not yet processed their close. Try again there once.
        waited = true;
        awaitClosingChannels(connection);
        continue;
      }
      if (attempt < ATTEMPTS && (refused || !connection.usable())) {
        lease.replace(connection, refused);
        continue;
      }
      throw why instanceof IOException io ? io : new SshException(String.valueOf(why), why);
    }
  }

  private static void awaitClosingChannels(SharedConnection connection) throws IOException {
    try {
      connection.awaitClosingChannels(CLOSING_WAIT);
      Thread.sleep(CLOSE_PROCESSING.toMillis());
    } catch (InterruptedException e) {
      throw ConnectionPool.interrupted(e);
    }
  }

  private synchronized OpenFuture openFirst() throws IOException {
    opened = super.open();
    return opened;
  }

  /** The outcome of the open made when the channel was asked for. */
  @Override
  public synchronized OpenFuture open() throws IOException {
    return opened != null ? opened : super.open();
  }
}
