package dev.jgitpomerium.transport.internal.reuse;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Map;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.PtyChannelConfigurationHolder;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.DefaultCloseFuture;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.URIish;

/**
 * One JGit session's hold on a shared connection. JGit sees an ordinary {@code SshdSession} whose sshd session is
 * {@link #face()}: it passes every call to the shared connection's session, except that closing it ends only this
 * lease, and an exec channel is an {@link OpenedExecChannel}, which moves to another connection when this one
 * cannot take it.
 */
final class Lease implements InvocationHandler {
  private final ConnectionPool pool;
  private final URIish uri;
  private final ConnectionPool.Destination destination;
  private final ConnectionPool.Connector connector;
  private final Duration channelTimeout;
  private final ClientSession face;
  private volatile SharedConnection connection;
  private boolean released;

  Lease(ConnectionPool pool, URIish uri, ConnectionPool.Destination destination, ConnectionPool.Connector connector,
      Duration channelTimeout) {
    this.pool = pool;
    this.uri = uri;
    this.destination = destination;
    this.connector = connector;
    this.channelTimeout = channelTimeout;
    this.face = (ClientSession) Proxy.newProxyInstance(ClientSession.class.getClassLoader(),
        new Class<?>[] {ClientSession.class}, this);
  }

  URIish uri() {
    return uri;
  }

  ConnectionPool.Destination destination() {
    return destination;
  }

  /** Moves to another connection and sends no new operation to {@code connection}, which is slow or stalled. */
  void shun(SharedConnection connection) throws TransportException {
    pool.shun(connection);
    pool.replace(this, connection, false);
  }

  /** Closes {@code connection}, which does not answer, and moves to another one. */
  void replaceDead(SharedConnection connection) throws TransportException {
    pool.dead(connection);
    pool.replace(this, connection, false);
  }

  ConnectionPool.Connector connector() {
    return connector;
  }

  Duration channelTimeout() {
    return channelTimeout;
  }

  ClientSession face() {
    return face;
  }

  SharedConnection connection() {
    return connection;
  }

  void attachTo(SharedConnection c) {
    connection = c;
  }

  /** Moves to another connection: {@code from} refused a channel ({@code refused}) or is closed. */
  void replace(SharedConnection from, boolean refused) throws TransportException {
    pool.replace(this, from, refused);
  }

  /** Ends this lease (JGit closed its session); once only. */
  synchronized void release() {
    if (released || connection == null) {
      return;
    }
    released = true;
    pool.release(connection);
  }

  private synchronized boolean released() {
    return released;
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    int n = args == null ? 0 : args.length;
    switch (method.getName()) {
      case "close":
        if (n == 0) {
          release();
          return null;
        }
        if (n == 1 && args[0] instanceof Boolean) {
          release();
          CloseFuture done = new DefaultCloseFuture(this, this);
          done.setClosed();
          return done;
        }
        break;
      case "isOpen":
        return n == 0 ? !released() && connection.usable() : invoke(method, args);
      case "isClosing":
      case "isClosed":
        return n == 0 ? released() || !connection.usable() : invoke(method, args);
      case "createExecChannel":
        if (n >= 1 && args[0] instanceof String command && (n == 1 || n == 3 || n == 4)) {
          @SuppressWarnings("unchecked")
          Map<String, ?> env = n > 1 ? (Map<String, ?>) args[n - 1] : null;
          return OpenedExecChannel.open(this, command, n == 4 ? (Charset) args[1] : null,
              n > 1 ? (PtyChannelConfigurationHolder) args[n - 2] : null, env);
        }
        break;
      case "equals":
        return n == 1 && proxy == args[0];
      case "hashCode":
        return n == 0 ? System.identityHashCode(proxy) : invoke(method, args);
      case "toString":
        return n == 0 ? "shared " + connection.client : invoke(method, args);
      default:
        break;
    }
    return invoke(method, args);
  }

  private Object invoke(Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(connection.client, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
