package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jgitpomerium.testkit.internal.Tls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The squid fixture is a real proxy as the forward-proxy tests need it: Basic authentication is enforced, the TLS
 * port presents a certificate from the fixture's CA, and a name in its hosts file resolves there and nowhere else.
 */
class SquidProxyTest {
  private static final String NAME = "pomerium.squid-fixture.test";
  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret pass";

  private static TcpUpstream upstream;
  private static SquidProxy squid;

  @BeforeAll
  static void start() throws Exception {
    upstream = TcpUpstream.echo();
    squid = SquidProxy.builder().hostsEntry(NAME, "127.0.0.1").basicAuthentication(USER, PASSWORD).https().start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (squid != null) {
      squid.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void aConnectWithoutCredentialsIsRefusedWith407() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), squid.address().getPort())) {
      assertEquals("HTTP/1.1 407 Proxy Authentication Required", connect(socket, target(), null), squid::log);
    }
  }

  @Test
  void aConnectWithCredentialsReachesTheAddressOfItsHostsFileAndIsLogged() throws Exception {
    assertThrows(UnknownHostException.class, () -> InetAddress.getByName(NAME), "only the proxy may know " + NAME);
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), squid.address().getPort())) {
      assertEquals("HTTP/1.1 200 Connection established", connect(socket, target(), USER + ":" + PASSWORD),
          squid::log);
      assertEcho(socket);
    }

    // The only tunnel through the plain port (the TLS test uses the other).
    List<SquidProxy.Request> requests = squid.awaitRequests(r -> r.isConnectTo(target()) && r.status() == 200
        && r.proxyPort() == squid.address().getPort(), 1, Duration.ofSeconds(10));
    assertEquals(1, requests.size(), squid::log);
    SquidProxy.Request request = requests.get(0);
    assertEquals(200, request.status());
    assertEquals(USER, request.user());
    assertEquals("127.0.0.1", request.peer(), "squid resolved the name from its hosts file");
  }

  @Test
  void theTlsPortPresentsACertificateFromTheFixturesCaFor127001() throws Exception {
    SSLSocket socket = (SSLSocket) Tls.context(null, null, squid.caCertificate()).getSocketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), squid.httpsAddress().getPort());
    try (socket) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      assertEquals("HTTP/1.1 200 Connection established", connect(socket, target(), USER + ":" + PASSWORD),
          squid::log);
      assertEcho(socket);
    }
  }

  private static String target() {
    return NAME + ":" + upstream.address().getPort();
  }

  /** Sends a CONNECT (with Basic credentials unless null) and returns the status line, having read the head. */
  private static String connect(Socket socket, String target, String credentials) throws IOException {
    socket.setSoTimeout(10_000);
    String head = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
        + (credentials == null ? "" : "Proxy-Authorization: Basic "
            + Base64.getEncoder().encodeToString(credentials.getBytes(US_ASCII)) + "\r\n")
        + "\r\n";
    socket.getOutputStream().write(head.getBytes(US_ASCII));
    socket.getOutputStream().flush();
    String response = readHead(socket.getInputStream());
    return response.lines().findFirst().orElse("");
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(US_ASCII);
  }

  private static void assertEcho(Socket socket) throws IOException {
    byte[] ping = "ping through squid\n".getBytes(US_ASCII);
    socket.getOutputStream().write(ping);
    socket.getOutputStream().flush();
    assertArrayEquals(ping, socket.getInputStream().readNBytes(ping.length));
  }
}
