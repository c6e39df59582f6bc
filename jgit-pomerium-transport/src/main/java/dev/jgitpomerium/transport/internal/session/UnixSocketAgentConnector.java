package dev.jgitpomerium.transport.internal.session;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.transport.sshd.agent.AbstractConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to an ssh-agent on a Unix-domain socket, with JDK channels only. Every exchange is bounded: connect
 * within 10 s, a reply within 60 s (an agent may ask its user to confirm a key, as {@code ssh-add -c} does), and a
 * reply of at most 256 KiB (OpenSSH's own limit, checked by {@link AbstractConnector#toLength}). Nothing of a message
 * is logged: only the socket, and what went wrong.
 */
final class UnixSocketAgentConnector extends AbstractConnector {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketAgentConnector.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(60);
  private static final byte SIGN_REQUEST = 13;

  private final Path socket;
  private final String origin;
  private final AuthenticationNotes notes;
  private final Duration replyTimeout;
  private SocketChannel channel;
  private Selector selector;

  /** @param origin where the socket was named, for messages: "SSH_AUTH_SOCK" or "IdentityAgent" */
  UnixSocketAgentConnector(Path socket, String origin, AuthenticationNotes notes) {
    this(socket, origin, notes, DEFAULT_REPLY_TIMEOUT);
  }

  UnixSocketAgentConnector(Path socket, String origin, AuthenticationNotes notes, Duration replyTimeout) {
    this.socket = socket;
    this.origin = origin;
    this.notes = notes;
    this.replyTimeout = replyTimeout;
  }

  /**
   * Connects, or answers false when the agent cannot be reached: as OpenSSH, the login goes on with the other keys,
   * and the reason (naming the socket) is logged and added to the message should the login fail.
   */
  @Override
  public synchronized boolean connect() throws IOException {
    if (channel != null) {
      return true;
    }
    SocketChannel candidate = null;
    Selector waiter = null;
    try {
      candidate = SocketChannel.open(StandardProtocolFamily.UNIX);
      candidate.configureBlocking(false);
      waiter = Selector.open();
      if (!candidate.connect(UnixDomainSocketAddress.of(socket))) {
        candidate.register(waiter, SelectionKey.OP_CONNECT);
        if (waiter.select(CONNECT_TIMEOUT.toMillis()) == 0 || !candidate.finishConnect()) {
          throw new IOException("no answer within " + CONNECT_TIMEOUT.toSeconds() + " s");
        }
        waiter.selectedKeys().clear();
      }
      channel = candidate;
      selector = waiter;
      log.debug("connected to the ssh-agent at {} ({})", socket, origin);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      closeQuietly(candidate, waiter);
      String reason = "the ssh-agent at " + socket + " (from " + origin + ") cannot be reached: " + why(e)
          + "; no agent keys were offered";
      log.warn("{}", reason);
      notes.add("The ssh-agent at " + socket + " (from " + origin + ") cannot be reached (" + why(e) + "): is the "
          + "agent running, and " + origin + " up to date?");
      return false;
    }
  }

  private String why(Exception e) {
    if (!Files.exists(socket)) {
      return "no such socket";
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  @Override
  public synchronized byte[] rpc(byte command, byte[] message) throws IOException {
    if (channel == null) {
      throw new IOException("not connected to the ssh-agent at " + socket);
    }
    prepareMessage(command, message);
    long deadline = System.nanoTime() + replyTimeout.toNanos();
    ByteBuffer request = ByteBuffer.wrap(message);
    while (request.hasRemaining()) {
      if (channel.write(request) == 0) {
        await(SelectionKey.OP_WRITE, deadline);
      }
    }
    byte[] length = new byte[4];
    readFully(ByteBuffer.wrap(length), deadline);
    byte[] reply = new byte[toLength(command, length)];
    readFully(ByteBuffer.wrap(reply), deadline);
    return command == SIGN_REQUEST ? CertificateSignatures.named(message, reply) : reply;
  }

  private void readFully(ByteBuffer buffer, long deadline) throws IOException {
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer);
      if (n < 0) {
        throw new IOException("the ssh-agent at " + socket + " closed the connection in the middle of a reply");
      }
      if (n == 0) {
        await(SelectionKey.OP_READ, deadline);
      }
    }
  }

  private void await(int operation, long deadline) throws IOException {
    long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (remaining <= 0) {
      throw new IOException("the ssh-agent at " + socket + " did not answer within " + replyTimeout.toMillis()
          + " ms");
    }
    SelectionKey key = channel.keyFor(selector);
    if (key == null) {
      key = channel.register(selector, operation);
    } else {
      key.interestOps(operation);
    }
    selector.select(remaining);
    selector.selectedKeys().clear();
  }

  @Override
  public synchronized void close() throws IOException {
    closeQuietly(channel, selector);
    channel = null;
    selector = null;
  }

  private static void closeQuietly(SocketChannel channel, Selector selector) {
    try {
      if (selector != null) {
        selector.close();
      }
    } catch (IOException e) {
      // nothing to do
    }
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      // nothing to do
    }
  }
}
