package dev.jgitpomerium.transport.internal.tunnel;

import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.internal.relay.Sockets;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * An open byte stream to an SSH server, handed to JGit through the relay: a Pomerium {@code CONNECT} tunnel (a TLS
 * socket whose streams now carry the destination's bytes), or the standard input and output of a ProxyCommand.
 */
public final class Tunnel implements Closeable {
  private final long id;
  private final Route route;
  private final String description;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Closeable resources;
  /** The socket under TLS, whose buffer shows what has arrived but is not decrypted yet; null for a ProxyCommand. */
  private final ReadAheadSocket readAhead;

  private Tunnel(long id, Route route, String description, Socket socket, InputStream in, OutputStream out,
      Closeable resources, ReadAheadSocket readAhead) {
    this.id = id;
    this.route = route;
    this.description = description;
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.resources = resources;
    this.readAhead = readAhead;
  }

  /** The Pomerium tunnel {@code id} over {@code tls}, layered on {@code raw}. */
  static Tunnel pomerium(long id, Route route, Socket tls, ReadAheadSocket raw) throws IOException {
    return new Tunnel(id, route, route.toString(), tls, tls.getInputStream(), tls.getOutputStream(), () -> {
      Sockets.closeQuietly(tls);
      // An SSLSocket whose close_notify cannot be sent (the peer reset) may leave its transport open.
      Sockets.closeQuietly(raw);
    }, raw);
  }

  /** A ProxyCommand's standard output and input; closing ends the process. */
  public static Tunnel command(String description, InputStream stdout, OutputStream stdin, Closeable process) {
    return new Tunnel(0, null, description, null, stdout, stdin, process, null);
  }

  /** The id the events about this Pomerium tunnel carry; 0 for a ProxyCommand. */
  public long id() {
    return id;
  }

  /** The Pomerium route, or {@code null} for a ProxyCommand (which reports no tunnel events). */
  public Route route() {
    return route;
  }

  /** The TLS socket of a Pomerium tunnel, or {@code null} for a ProxyCommand. */
  public Socket socket() {
    return socket;
  }

  public InputStream inputStream() {
    return in;
  }

  public OutputStream outputStream() {
    return out;
  }

  /**
   * Whether the next read of {@link #inputStream()} is certain not to block: a whole TLS record has arrived and is
   * buffered (known without a system call). Always false for a ProxyCommand.
   */
  public boolean recordWaiting() {
    return readAhead != null && readAhead.wholeRecordBuffered();
  }

  @Override
  public void close() {
    Sockets.closeQuietly(resources);
  }

  @Override
  public String toString() {
    return "Tunnel{" + description + "}";
  }
}
