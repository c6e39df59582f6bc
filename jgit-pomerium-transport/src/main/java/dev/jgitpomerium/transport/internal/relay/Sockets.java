package dev.jgitpomerium.transport.internal.relay;

import java.io.Closeable;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketOption;
import jdk.net.ExtendedSocketOptions;

public final class Sockets {
  private Sockets() {}

  /** Probes after this much silence; below the idle cut-off of NATs and cloud load balancers (350 s and up). */
  private static final int KEEPALIVE_IDLE_SECONDS = 60;
  private static final int KEEPALIVE_INTERVAL_SECONDS = 10;
  private static final int KEEPALIVE_PROBES = 3;

  /**
   * TCP keepalive on the Pomerium hop: the OS default waits two hours before the first probe, so the probes are
   * tuned where the platform allows. They keep NAT and load-balancer state for a silent tunnel and find a vanished
   * gateway when no SSH keepalive runs (a {@code tcp} ProxyCommand tunnel).
   */
  public static void keepAlive(Socket socket) throws IOException {
    socket.setKeepAlive(true);
    setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS);
    setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPINTERVAL, KEEPALIVE_INTERVAL_SECONDS);
    setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPCOUNT, KEEPALIVE_PROBES);
  }

  private static void setIfSupported(Socket socket, SocketOption<Integer> option, int value) throws IOException {
    if (socket.supportedOptions().contains(option)) {
      socket.setOption(option, value);
    }
  }

  public static void closeQuietly(Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // Closing is best effort; the socket is unusable either way.
    }
  }
}
