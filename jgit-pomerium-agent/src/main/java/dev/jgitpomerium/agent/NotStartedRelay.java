package dev.jgitpomerium.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * When the agent could not start, JGit's proxy: every CONNECT is answered {@code 502} with why, which JGit puts in its
 * error ("HTTP Proxy connection to ... failed with code 502: jgit-pomerium-agent not started: invalid jgit-pomerium
 * setting ..."), so that a build log shows the cause where the failure is, not only in the agent's first line. It
 * serves nothing but that sentence, which holds no secret; on loopback, one connection at a time, each bounded.
 */
final class NotStartedRelay {
  private static final int MAX_HEAD = 8192;
  private static final int READ_TIMEOUT_MILLIS = 10_000;
  private static final int MAX_REASON = 2000;

  private NotStartedRelay() {}

  /** Starts answering on an ephemeral loopback port; returns its address. */
  static InetSocketAddress start(String reason) throws IOException {
    ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    byte[] answer = ("HTTP/1.1 502 " + printable(reason) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    Thread thread = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket client = server.accept()) {
          client.setSoTimeout(READ_TIMEOUT_MILLIS);
          skipHead(client.getInputStream());
          OutputStream out = client.getOutputStream();
          out.write(answer);
          out.flush();
        } catch (IOException e) {
          // that client went away or was too slow; the next one still gets its answer
        }
      }
    }, "jgit-pomerium-agent-not-started");
    thread.setDaemon(true);
    thread.start();
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** Reads the request head (to its blank line, at most {@value #MAX_HEAD} bytes) so that the answer follows it. */
  private static void skipHead(InputStream in) throws IOException {
    int matched = 0;
    for (int read = 0; read < MAX_HEAD && matched < 4; read++) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }

  /** One line of visible ASCII: the status line's reason phrase. */
  private static String printable(String reason) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < reason.length() && out.length() < MAX_REASON; i++) {
      char c = reason.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : ' ');
    }
    return out.toString();
  }
}
