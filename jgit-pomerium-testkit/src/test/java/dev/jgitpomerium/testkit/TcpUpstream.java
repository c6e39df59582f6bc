package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Acceptor;
import dev.jgitpomerium.testkit.internal.IoUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A plain TCP upstream for gateway tests: optionally sends a greeting, then echoes every byte. */
final class TcpUpstream implements AutoCloseable {
  private final Acceptor acceptor;
  private final byte[] greeting;

  private TcpUpstream(String greeting) throws IOException {
    this.greeting = greeting.getBytes(StandardCharsets.US_ASCII);
    this.acceptor = Acceptor.bind("TcpUpstream");
    acceptor.start("test-upstream-accept-" + acceptor.port(), (id, socket) -> new Echo(socket));
  }

  static TcpUpstream echo() throws IOException {
    return new TcpUpstream("");
  }

  /** Writes {@code greeting} as soon as a connection is accepted, like an SSH server's banner. */
  static TcpUpstream greetingThenEcho(String greeting) throws IOException {
    return new TcpUpstream(greeting);
  }

  InetSocketAddress address() {
    return acceptor.address();
  }

  @Override
  public void close() {
    acceptor.close();
  }

  private final class Echo implements Acceptor.Connection {
    private final Socket socket;

    Echo(Socket socket) {
      this.socket = socket;
    }

    @Override
    public String threadName() {
      return "test-upstream-echo-" + socket.getPort();
    }

    @Override
    public void serve() {
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
        acceptor.finished(this);
      }
    }

    @Override
    public void abort() {
      IoUtil.closeQuietly(socket);
    }
  }
}
