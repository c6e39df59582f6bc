package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.IoUtil;
import dev.jgitpomerium.testkit.internal.Workers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/** A plain TCP upstream for gateway tests: optionally sends a greeting, then echoes every byte. */
final class TcpUpstream implements AutoCloseable {
  private final ServerSocket serverSocket;
  private final byte[] greeting;
  private final Workers workers = new Workers();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

  private TcpUpstream(String greeting) throws IOException {
    this.greeting = greeting.getBytes(StandardCharsets.US_ASCII);
    this.serverSocket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    workers.start("test-upstream-accept-" + serverSocket.getLocalPort(), this::acceptLoop);
  }

  static TcpUpstream echo() throws IOException {
    return new TcpUpstream("");
  }

  /** Writes {@code greeting} as soon as a connection is accepted, like an SSH server's banner. */
  static TcpUpstream greetingThenEcho(String greeting) throws IOException {
    return new TcpUpstream(greeting);
  }

  InetSocketAddress address() {
    return new InetSocketAddress(serverSocket.getInetAddress(), serverSocket.getLocalPort());
  }

  private void acceptLoop() {
    while (!serverSocket.isClosed()) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        return;
      }
      sockets.add(socket);
      try {
        workers.start("test-upstream-echo-" + socket.getPort(), () -> echo(socket));
      } catch (RejectedExecutionException e) {
        IoUtil.closeQuietly(socket);
      }
    }
  }

  private void echo(Socket socket) {
    try (socket) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      if (greeting.length > 0) {
        out.write(greeting);
        out.flush();
      }
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // The peer went away; nothing to report.
    } finally {
      sockets.remove(socket);
    }
  }

  @Override
  public void close() throws InterruptedException {
    workers.shutdown();
    IoUtil.closeQuietly(serverSocket);
    sockets.forEach(IoUtil::closeQuietly);
    workers.awaitTermination(Duration.ofSeconds(5));
  }
}
