package dev.jgitpomerium.transport.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * Reads an HTTP/1.x message head (request or response) one byte at a time and never past its blank line: after a
 * {@code CONNECT} succeeds every following byte belongs to the tunnel, and a buffered reader would swallow the SSH
 * banner that arrives in the same segment.
 */
public final class HeadReader {
  /** Large enough for any proxy's error headers, small enough that a hostile peer cannot make us buffer much. */
  public static final int MAX_RESPONSE_BYTES = 16 * 1024;

  private HeadReader() {}

  /** Runs before each blocking read, so the caller can shrink the socket timeout to what is left of a deadline. */
  @FunctionalInterface
  public interface ReadGuard {
    void beforeRead() throws IOException;
  }

  /**
   * Returns the head's bytes, up to and including CRLFCRLF (a bare LF line end is tolerated).
   *
   * @throws ProtocolException if the head is longer than {@code maxBytes}
   * @throws EOFException if the stream ends first
   */
  public static byte[] read(InputStream in, int maxBytes, ReadGuard guard) throws IOException {
    byte[] buf = new byte[Math.min(maxBytes, 1024)];
    int len = 0;
    int lineEnds = 0;
    while (true) {
      guard.beforeRead();
      int b = in.read();
      if (b == -1) {
        throw new EOFException(len == 0
            ? "the connection closed without a response"
            : "the connection closed after " + len + " bytes, before the head ended");
      }
      if (len == maxBytes) {
        throw new ProtocolException("head larger than " + maxBytes + " bytes");
      }
      if (len == buf.length) {
        buf = Arrays.copyOf(buf, Math.min(maxBytes, buf.length * 2));
      }
      buf[len++] = (byte) b;
      if (b == '\n') {
        if (++lineEnds == 2) {
          return Arrays.copyOf(buf, len);
        }
      } else if (b != '\r') {
        lineEnds = 0;
      }
    }
  }

  /**
   * The socket timeout that ends a read at {@code deadline} ({@link System#nanoTime()}).
   *
   * @throws SocketTimeoutException if the deadline has passed
   */
  public static int remainingMillis(long deadline) throws SocketTimeoutException {
    long remaining = (deadline - System.nanoTime()) / 1_000_000;
    if (remaining <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    return (int) Math.min(Integer.MAX_VALUE, remaining);
  }

  /** At most 100 visible ASCII characters, so that a hostile peer can neither flood nor forge log lines. */
  public static String printable(String s) {
    return printable(s, 100);
  }

  /** At most {@code limit} visible ASCII characters: control characters become '?', the rest is cut with "...". */
  static String printable(String s, int limit) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < limit; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (s.length() > limit) {
      out.append("...");
    }
    return out.toString();
  }
}
