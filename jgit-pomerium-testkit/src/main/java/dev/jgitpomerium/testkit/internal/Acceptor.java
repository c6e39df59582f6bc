package dev.jgitpomerium.testkit.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening half the testkit's TCP servers share: a socket on 127.0.0.1 (ephemeral port), a thread that accepts,
 * a thread per connection, and a close that stops accepting, aborts every connection still open and waits (bounded)
 * for every thread it started, so that tests can check a server left nothing behind.
 */
public final class Acceptor {
  private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

  private static final int BACKLOG = 50;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /** One accepted connection, tracked from its accept until {@link Acceptor#finished} (or the server's close). */
  public interface Connection {
    /** The name of the thread that runs {@link #serve()}. */
    String threadName();

    /**
     * Serves the connection on a thread of its own. It, or the last of the threads it starts, closes the sockets and
     * calls {@link Acceptor#finished}.
     */
    void serve();

    /** Closes the connection's sockets from any thread, which ends each of its threads. */
    void abort();
  }

  private final String name;
  private final ServerSocket serverSocket;
  private final InetSocketAddress address;
  private final Workers workers = new Workers();
  private final Set<Connection> live = ConcurrentHashMap.newKeySet();
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Count open = new Count();
  private final AtomicBoolean closing = new AtomicBoolean();

  private Acceptor(String server, ServerSocket serverSocket) {
    this.serverSocket = serverSocket;
    this.address = new InetSocketAddress(serverSocket.getInetAddress(), serverSocket.getLocalPort());
    this.name = server + " " + address.getPort();
  }

  /** Binds 127.0.0.1 on an ephemeral port for the server called {@code server} in log messages. */
  public static Acceptor bind(String server) throws IOException {
    ServerSocket socket = new ServerSocket();
    try {
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), BACKLOG);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    return new Acceptor(server, socket);
  }

  /**
   * Starts accepting on a thread called {@code threadName}; {@code accepted} turns each socket (with its number,
   * counting from 1) into a connection, whose {@link Connection#serve()} then runs on a thread of its own.
   */
  public void start(String threadName, BiFunction<Integer, Socket, Connection> accepted) {
    workers.start(threadName, () -> acceptLoop(accepted));
  }

  private void acceptLoop(BiFunction<Integer, Socket, Connection> factory) {
    while (!closing.get()) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        if (closing.get() || serverSocket.isClosed()) {
          return;
        }
        LOG.warn("{} accept failed", name, e);
        continue;
      }
      Connection connection = factory.apply(ids.incrementAndGet(), socket);
      accepted.incrementAndGet();
      live.add(connection);
      open.increment();
      if (closing.get()) {
        connection.abort(); // close() may have missed it
      }
      try {
        workers.start(connection.threadName(), connection::serve);
      } catch (RejectedExecutionException e) {
        connection.abort();
        finished(connection);
      }
    }
  }

  /** The bound address, 127.0.0.1 and the port. */
  public InetSocketAddress address() {
    return address;
  }

  /** The bound port. */
  public int port() {
    return address.getPort();
  }

  /** Starts the connections' further threads, so that {@link #close()} waits for them too. */
  public Workers workers() {
    return workers;
  }

  /** Connections accepted so far, including those that never got further. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections accepted and not yet {@link #finished}. */
  public Count open() {
    return open;
  }

  /** The connections open now, e.g. for a server to act on all of them. */
  public Set<Connection> live() {
    return live;
  }

  /** Marks {@code connection} as ended: its sockets are closed and its threads are returning. Idempotent. */
  public void finished(Connection connection) {
    if (live.remove(connection)) {
      open.decrement();
    }
  }

  /**
   * Stops accepting, aborts every open connection and waits up to 5 s for every thread started here, warning with
   * the names of those still running. Waits on {@link #open()} for more connections end at once. Idempotent.
   */
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    open.stopWaits();
    workers.stop(serverSocket, () -> live.forEach(Connection::abort), CLOSE_WAIT, name);
  }
}
