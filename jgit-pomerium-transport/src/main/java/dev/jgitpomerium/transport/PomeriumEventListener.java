package dev.jgitpomerium.transport;

import java.time.Duration;

/**
 * Observes tunnels: for metrics, progress output, or an audit trail. Every method has a no-op default, so implement
 * only what you need.
 *
 * <p>Each SSH connection a factory's sessions make is first reported by {@link #connectionRouted}, which says which
 * way it goes (through Pomerium, a ProxyCommand, or directly). Events for one tunnel then come in this order: {@link
 * #tunnelOpening}, then at most one {@link #signInRequired}, then
 * {@link #tunnelOpened} or {@link #tunnelFailed}; after {@code tunnelOpened} comes exactly one {@link #tunnelClosed},
 * at the latest before the factory's {@code close()} returns. {@link #tokenObtained} reports where each token came
 * from. An interactive sign-in reports {@link #signInStarted}
 * (with the address the user must visit), then {@link #browserOpened} or {@link #browserNotOpened}, and ends with
 * {@link #tokenObtained} or {@link #signInFailed}.
 *
 * <p>Each tunnel has an id, unique in this JVM, that every event about it carries, so that the events of tunnels
 * opened at the same time can be told apart: override the methods that take a {@code tunnelId} (each calls the one
 * without it by default, so a listener written before ids existed still hears everything). Sign-in events are about
 * an endpoint, not a tunnel: one sign-in serves every tunnel that waits for it.
 *
 * <p>Methods are called on the connecting or copying thread, from many threads at once. They must be fast, must not
 * block and must not throw (an exception is logged and ignored). No event carries a token.
 */
public interface PomeriumEventListener {

  /** A no-op listener. */
  PomeriumEventListener NONE = new PomeriumEventListener() {};

  /**
   * A connection to the SSH server {@code host:port} (after ssh config's {@code HostName} and {@code Port}) is about
   * to be made, the way {@code path} says: once per connection, before any tunnel or ProxyCommand is started, on the
   * connecting thread. The library logs the same at debug level. Hops that JGit reaches through a {@code ProxyJump}
   * host are carried by that host's session and not reported.
   */
  default void connectionRouted(String host, int port, ConnectionPath path) {}

  /** A tunnel to {@code route} is about to be dialled. */
  default void tunnelOpening(Route route) {}

  /**
   * Pomerium answered {@code status} (401 or a redirect): the token source is asked once for a fresh token and the
   * {@code CONNECT} is retried once.
   */
  default void signInRequired(Route route, int status) {}

  /** Pomerium answered 200; {@code elapsed} covers TCP, TLS and {@code CONNECT}, including any sign-in. */
  default void tunnelOpened(Route route, Duration elapsed) {}

  /** The tunnel could not be opened. */
  default void tunnelFailed(Route route, PomeriumException failure) {}

  /** An open tunnel ended; the byte counts are SSH bytes sent to and received from the destination. */
  default void tunnelClosed(Route route, long bytesSent, long bytesReceived) {}

  /**
   * {@link #tunnelOpening(Route)} of the tunnel {@code tunnelId}, the id that this tunnel's other events carry too.
   */
  default void tunnelOpening(long tunnelId, Route route) {
    tunnelOpening(route);
  }

  /** {@link #signInRequired(Route, int)} of the tunnel {@code tunnelId}. */
  default void signInRequired(long tunnelId, Route route, int status) {
    signInRequired(route, status);
  }

  /** {@link #tunnelOpened(Route, Duration)} of the tunnel {@code tunnelId}. */
  default void tunnelOpened(long tunnelId, Route route, Duration elapsed) {
    tunnelOpened(route, elapsed);
  }

  /** {@link #tunnelFailed(Route, PomeriumException)} of the tunnel {@code tunnelId}. */
  default void tunnelFailed(long tunnelId, Route route, PomeriumException failure) {
    tunnelFailed(route, failure);
  }

  /** {@link #tunnelClosed(Route, long, long)} of the tunnel {@code tunnelId}. */
  default void tunnelClosed(long tunnelId, Route route, long bytesSent, long bytesReceived) {
    tunnelClosed(route, bytesSent, bytesReceived);
  }

  /** A token for {@code endpoint} was found; {@code source} says where (e.g. "token cache", "sign-in"). */
  default void tokenObtained(PomeriumEndpoint endpoint, String source) {}

  /** The user must visit {@code signInUrl} to sign in; shown on the console too. */
  default void signInStarted(PomeriumEndpoint endpoint, java.net.URI signInUrl) {}

  /** The browser was started at the sign-in address. */
  default void browserOpened(PomeriumEndpoint endpoint) {}

  /** No browser was started ({@code reason}: no display, none wanted, or the launch failed); the address is shown. */
  default void browserNotOpened(PomeriumEndpoint endpoint, String reason) {}

  /** An interactive sign-in failed: timed out, cancelled, or Pomerium refused it. */
  default void signInFailed(PomeriumEndpoint endpoint, java.io.IOException failure) {}

  /**
   * An SSH server ({@code host:port}) left every keepalive unanswered for {@code silence} (see {@link
   * PomeriumSshSessionFactory.Builder#serverAliveInterval}), so its session was closed as dead.
   */
  default void serverNotResponding(String server, Duration silence) {}

  /**
   * The in-process relay refused a local connection that did not carry a valid single-use credential: a stale
   * connection attempt, or another local process probing the port.
   */
  default void relayConnectionRejected(String reason) {}
}
