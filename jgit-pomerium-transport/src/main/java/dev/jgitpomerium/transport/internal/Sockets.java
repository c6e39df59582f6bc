package dev.jgitpomerium.transport.internal;

import java.io.Closeable;
import java.io.IOException;

final class Sockets {
  private Sockets() {}

  static void closeQuietly(Closeable c) {
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
