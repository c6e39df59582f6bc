package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SOCKS5 fixture is a real proxy as the forward-proxy tests need it: it wants its user name and password, and a
 * name in its nss_wrapper hosts file resolves in its process and nowhere else (here a hand-written RFC 1928 client
 * sends the name, as {@code socks5h} does).
 */
class Socks5ProxyTest {
  private static final String NAME = "pomerium.socks-fixture.test";
  private static final String USER = "bob";
  private static final String PASSWORD = "socks-secret";

  private static TcpUpstream upstream;
  private static Socks5Proxy socks;

  @BeforeAll
  static void start() throws Exception {
    upstream = TcpUpstream.echo();
    socks = Socks5Proxy.builder().hostsEntry(NAME, "127.0.0.1").credentials(USER, PASSWORD).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (socks != null) {
      socks.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void aNameInItsHostsFileResolvesAtTheProxyOnlyAndTheTunnelIsLogged() throws Exception {
    assertThrows(UnknownHostException.class, () -> InetAddress.getByName(NAME), "only the proxy may know " + NAME);
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), socks.port())) {
      assertEquals(0, login(socket, PASSWORD), socks::log);
      assertEquals(0, connect(socket, NAME), "SOCKS5 reply code\n" + socks.log());
      byte[] ping = "ping through microsocks\n".getBytes(US_ASCII);
      socket.getOutputStream().write(ping);
      assertArrayEquals(ping, socket.getInputStream().readNBytes(ping.length));
    }
    String target = NAME + ":" + upstream.address().getPort();
    assertEquals(1, socks.awaitConnections(target, 1, Duration.ofSeconds(10)), socks::log);
  }

  @Test
  void aWrongPasswordIsRefused() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), socks.port())) {
      assertNotEquals(0, login(socket, "wrong"), socks::log);
    }
  }

  /** The name above resolved from the fixture's file, not from anything else the proxy's machine knows. */
  @Test
  void aNameNotGivenToTheProxyDoesNotResolveThere() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), socks.port())) {
      assertEquals(0, login(socket, PASSWORD), socks::log);
      assertNotEquals(0, connect(socket, "elsewhere.socks-fixture.test"), socks::log);
    }
  }

  /** Offers only the user/password method (RFC 1929) and logs in; returns the status (0 for success). */
  private static int login(Socket socket, String password) throws IOException {
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    out.write(new byte[] {5, 1, 2});
    byte[] method = new byte[2];
    in.readFully(method);
    assertEquals(5, method[0]);
    assertEquals(2, method[1], "the proxy chose the user/password method");
    byte[] user = USER.getBytes(US_ASCII);
    byte[] secret = password.getBytes(US_ASCII);
    // One write per message, as real clients send them: microsocks parses what one read returns.
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(1);
    request.write(user.length);
    request.write(user);
    request.write(secret.length);
    request.write(secret);
    out.write(request.toByteArray());
    out.flush();
    byte[] status = new byte[2];
    in.readFully(status);
    return status[1];
  }

  /** Sends CONNECT with a domain name (address type 3) to the upstream's port; returns the reply code. */
  private static int connect(Socket socket, String host) throws IOException {
    OutputStream out = socket.getOutputStream();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    byte[] name = host.getBytes(US_ASCII);
    int port = upstream.address().getPort();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(new byte[] {5, 1, 0, 3, (byte) name.length});
    request.write(name);
    request.write(new byte[] {(byte) (port >> 8), (byte) port});
    out.write(request.toByteArray());
    out.flush();
    byte[] reply = new byte[4];
    in.readFully(reply);
    if (reply[1] == 0) {
      in.readFully(new byte[reply[3] == 4 ? 16 + 2 : 4 + 2]);
    }
    return reply[1];
  }
}
