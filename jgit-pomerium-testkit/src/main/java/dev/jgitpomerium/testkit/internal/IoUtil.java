package dev.jgitpomerium.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Small I/O helpers shared by the test servers. */
public final class IoUtil {
  private IoUtil() {}

  /** Thrown when a peer sends a head longer than the limit, so the caller can answer 431. */
  public static final class HeadTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    HeadTooLargeException(int limit) {
      super("HTTP head exceeds " + limit + " bytes");
    }
  }

  /**
   * Closes {@code c}, ignoring failures: when tearing a connection down the socket is unusable
   * either way, and one failed close must not keep the others open.
   */
  public static void closeQuietly(Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // Best effort.
    }
  }

  /**
   * Reads an HTTP head up to and including the blank line, one byte at a time.
   *
   * <p>Byte-at-a-time reading is deliberate: anything after the blank line belongs to the tunnel
   * and must stay in the stream for whoever reads next.
   *
   * @return the head as ISO-8859-1 text without the final CRLFCRLF
   * @throws EOFException if the peer closed before the head was complete
   * @throws HeadTooLargeException if more than {@code limit} bytes arrived without a blank line
   */
  public static String readHead(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int matched = 0; // how much of "\r\n\r\n" was just seen
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("peer closed after " + head.size() + " bytes of head");
      }
      if (head.size() >= limit) {
        throw new HeadTooLargeException(limit);
      }
      head.write(b);
      if ((b == '\r' && (matched == 0 || matched == 2))
          || (b == '\n' && (matched == 1 || matched == 3))) {
        matched++;
      } else {
        matched = b == '\r' ? 1 : 0;
      }
      if (matched == 4) {
        byte[] bytes = head.toByteArray();
        return new String(bytes, 0, bytes.length - 4, StandardCharsets.ISO_8859_1);
      }
    }
  }
}
