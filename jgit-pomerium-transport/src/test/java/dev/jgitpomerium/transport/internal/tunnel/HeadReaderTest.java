package dev.jgitpomerium.transport.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeadReaderTest {

  private static ByteArrayInputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void parsesStatusReasonAndHeaders() throws IOException {
    ResponseHead head = ResponseHead.read(
        stream("HTTP/1.1 302 Found\r\nLocation: https://auth.example.com/\r\nX-Test:  v \r\n\r\n"), 1024, () -> { });
    assertEquals(302, head.status());
    assertEquals("Found", head.reason());
    assertEquals("https://auth.example.com/", head.header("location"));
    assertEquals("v", head.header("X-TEST"));
    assertNull(head.header("absent"));
  }

  @Test
  void neverConsumesTheBytesThatFollowTheBlankLine() throws IOException {
    ByteArrayInputStream in = stream("HTTP/1.1 200 Connection established\r\n\r\nSSH-2.0-OpenSSH_9.2\r\n");
    assertEquals(200, ResponseHead.read(in, 1024, () -> { }).status());
    assertArrayEquals("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
  }

  @Test
  void toleratesBareLineFeeds() throws IOException {
    assertEquals(200, ResponseHead.read(stream("HTTP/1.0 200 OK\nA: b\n\n"), 1024, () -> { }).status());
  }

  @Test
  void refusesAHeadLargerThanTheLimit() {
    String big = "HTTP/1.1 200 OK\r\nX: " + "a".repeat(4096) + "\r\n\r\n";
    ProtocolException e = assertThrows(ProtocolException.class, () -> ResponseHead.read(stream(big), 1024, () -> { }));
    assertTrue(e.getMessage().contains("larger than 1024"), e.getMessage());
  }

  @Test
  void refusesWhatIsNotAnHttpStatusLine() {
    for (String bad : new String[] {"garbage\r\n\r\n", "\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno-colon-here\r\n\r\n"}) {
      assertThrows(ProtocolException.class, () -> ResponseHead.read(stream(bad), 1024, () -> { }), bad);
    }
  }

  @Test
  void reportsAConnectionThatClosesBeforeTheHeadEnds() {
    EOFException e = assertThrows(EOFException.class,
        () -> ResponseHead.read(stream("HTTP/1.1 200 OK\r\n"), 1024, () -> { }));
    assertTrue(e.getMessage().contains("before the head ended"), e.getMessage());
  }

  @Test
  void keepsHostileReasonPhrasesPrintableAndShort() throws IOException {
    ResponseHead head = ResponseHead.read(stream("HTTP/1.1 500 \u001b[31m" + "x".repeat(300) + "\r\n\r\n"), 1024,
        () -> { });
    assertTrue(head.reason().startsWith("?[31m"), head.reason());
    assertTrue(head.reason().length() <= 103, head.reason());
  }
}
