package dev.jgitpomerium.transport.internal;

import dev.jgitpomerium.transport.Route;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** An open {@code CONNECT} tunnel: a TLS socket to Pomerium whose streams now carry the destination's bytes. */
public final class Tunnel implements Closeable {
  private final Route route;
  private final Socket socket;
  private final Socket raw;

  Tunnel(Route route, Socket socket, Socket raw) {
    this.route = route;
    this.socket = socket;
    this.raw = raw;
  }

  public Route route() {
    return route;
  }

  public Socket socket() {
    return socket;
  }

  public InputStream inputStream() throws IOException {
    return socket.getInputStream();
  }

  public OutputStream outputStream() throws IOException {
    return socket.getOutputStream();
  }

  @Override
  public void close() {
    Sockets.closeQuietly(socket);
    // An SSLSocket whose close_notify cannot be sent (the peer reset) may leave its transport open.
    Sockets.closeQuietly(raw);
  }

  @Override
  public String toString() {
    return "Tunnel{" + route + "}";
  }
}
