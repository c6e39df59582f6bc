package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** The leak detector can see what it is meant to catch. */
class NoLeaksTest {

  @Test
  void countsATcpSocketWhileItIsOpenAndNotAfterClose() throws IOException {
    long before = NoLeaks.openSockets();
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertEquals(before + 1, NoLeaks.openSockets(), socket.toString());
    }
    assertEquals(before, NoLeaks.openSockets());
  }
}
