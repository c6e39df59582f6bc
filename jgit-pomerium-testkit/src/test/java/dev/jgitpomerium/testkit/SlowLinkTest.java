package dev.jgitpomerium.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SlowLinkTest {

  @Test
  void bytesPassNoFasterThanTheRate() throws Exception {
    Duration elapsed = echoThrough(SlowLink.builder().bytesPerSecond(100_000), 200_000);
    // 2 s at 100 KB/s, less a bucket's burst; both directions are shaped but run in parallel.
    assertTrue(elapsed.toMillis() >= 1_800, "took " + elapsed);
    assertTrue(elapsed.toMillis() < 6_000, "took " + elapsed);
  }

  @Test
  void aRoundTripTakesAtLeastTwiceTheOneWayDelay() throws Exception {
    try (TcpUpstream echo = TcpUpstream.echo();
        SlowLink link =
            SlowLink.builder()
                .target(echo.address())
                .bytesPerSecond(1_000_000)
                .oneWayDelay(Duration.ofMillis(150))
                .start();
        Socket socket = connect(link)) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        out.write(i);
        assertEquals(i, in.read());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(elapsed.toMillis() >= 300, "round trip " + i + " took " + elapsed);
        assertTrue(elapsed.toMillis() < 3_000, "round trip " + i + " took " + elapsed);
      }
    }
  }

  @Test
  void delayDoesNotCutTheRate() throws Exception {
    // A relay that held one chunk at a time for its delay would need over 12 s here.
    Duration elapsed = echoThrough(
        SlowLink.builder().bytesPerSecond(1_000_000).oneWayDelay(Duration.ofMillis(200)), 1_000_000);
    // 1 s of bandwidth plus a 400 ms round trip.
    assertTrue(elapsed.toMillis() >= 1_300, "took " + elapsed);
    assertTrue(elapsed.toMillis() < 4_000, "took " + elapsed);
  }

  @Test
  void theEndOfAStreamIsPassedOnAsAHalfClose() throws Exception {
    try (TcpUpstream echo = TcpUpstream.echo();
        SlowLink link =
            SlowLink.builder().target(echo.address()).oneWayDelay(Duration.ofMillis(50)).start();
        Socket socket = connect(link)) {
      socket.getOutputStream().write(new byte[] {1, 2, 3});
      socket.shutdownOutput();
      // The echo sees the end after the bytes, answers them, then closes: all of it comes back.
      assertArrayEquals(new byte[] {1, 2, 3}, socket.getInputStream().readAllBytes());
    }
  }

  @Test
  void closeEndsEveryConnectionAndThread() throws Exception {
    try (TcpUpstream echo = TcpUpstream.echo()) {
      SlowLink link =
          SlowLink.builder().target(echo.address()).oneWayDelay(Duration.ofMillis(50)).start();
      String prefix = "slow-link-" + link.port() + "-";
      try (Socket socket = connect(link)) {
        socket.getOutputStream().write(7);
        assertEquals(7, socket.getInputStream().read());
        assertEquals(5, PomeriumGatewayTest.liveThreads(prefix).size(),
            "accept and four pumps: " + PomeriumGatewayTest.liveThreads(prefix));

        link.close();

        assertEquals(List.of(), PomeriumGatewayTest.liveThreads(prefix));
        socket.setSoTimeout(5_000);
        // Either an orderly end or a reset, never a hang.
        try {
          assertEquals(-1, socket.getInputStream().read());
        } catch (IOException expected) {
          // Reset by the closed relay.
        }
        assertThrows(IOException.class, () -> connect(link).close());
      }
    }
  }

  /**
   * Sends {@code payload} through the echo and reads it back. The writing happens on a second
   * thread, so the echo can come back while the rest is still going out.
   */
  private static byte[] echo(Socket socket, byte[] payload) throws Exception {
    AtomicReference<IOException> failure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                socket.getOutputStream().write(payload);
              } catch (IOException e) {
                failure.set(e);
              }
            },
            "slow-link-test-writer");
    writer.start();
    try {
      return socket.getInputStream().readNBytes(payload.length);
    } finally {
      writer.join(5_000);
      if (failure.get() != null) {
        throw failure.get();
      }
    }
  }

  /** Sends {@code bytes} random bytes through a link to an echo server and back; how long that took. */
  private static Duration echoThrough(SlowLink.Builder builder, int bytes) throws Exception {
    byte[] payload = new byte[bytes];
    new Random(bytes).nextBytes(payload);
    try (TcpUpstream echo = TcpUpstream.echo();
        SlowLink link = builder.target(echo.address()).start();
        Socket socket = connect(link)) {
      long start = System.nanoTime();
      byte[] echoed = echo(socket, payload);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      assertArrayEquals(payload, echoed);
      return elapsed;
    }
  }

  private static Socket connect(SlowLink link) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", link.port()), 5_000);
    socket.setSoTimeout(20_000);
    return socket;
  }
}
