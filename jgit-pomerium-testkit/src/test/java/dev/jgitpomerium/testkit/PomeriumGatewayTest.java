package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.internal.IoUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PomeriumGatewayTest {
  private static final String ROUTE = "git.corp.example.com:22";
  private static final Duration WAIT = Duration.ofSeconds(5);

  @Test
  void gatewaySplicesBytesToTheRoutedUpstream() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.echo();
        PomeriumGateway gateway =
            PomeriumGateway.builder()
                .requireToken("t0k3n")
                .route(ROUTE, upstream.address())
                .start();
        SSLSocket client = connect(gateway, gateway.clientSslContext(), "localhost")) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      write(out, connectRequest("GIT.corp.example.com:22", "Pomerium t0k3n"));

      assertEquals("HTTP/1.1 200 OK", IoUtil.readHead(in, 1024));
      byte[] payload = "SSH-2.0-client\r\nand some more bytes".getBytes(StandardCharsets.US_ASCII);
      write(out, payload);
      assertArrayEquals(payload, in.readNBytes(payload.length));

      RecordedConnect request = gateway.takeRequest(WAIT);
      assertEquals("CONNECT GIT.corp.example.com:22 HTTP/1.1", request.requestLine());
      assertEquals("CONNECT", request.method());
      assertEquals("GIT.corp.example.com:22", request.target());
      assertEquals("HTTP/1.1", request.version());
      assertEquals("GIT.corp.example.com:22", request.header("host"));
      assertEquals("Pomerium t0k3n", request.authorization());
      assertEquals(1, gateway.requestCount());
      assertEquals(1, gateway.openConnections());
    }
  }

  @Test
  void requestWithoutTokenIsRedirectedToSignIn() throws Exception {
    try (PomeriumGateway gateway = PomeriumGateway.builder().requireToken("t0k3n").start()) {
      Response response = exchange(gateway, connectRequest(ROUTE, null));

      assertEquals("HTTP/1.1 302 Found", response.statusLine);
      assertTrue(
          response.head.contains(
              "\r\nLocation: https://authenticate.example.com/.pomerium/sign_in?"));
      assertNull(gateway.takeRequest(WAIT).authorization());
    }
  }

  @Test
  void requestWithWrongTokenIsUnauthorized() throws Exception {
    try (PomeriumGateway gateway = PomeriumGateway.builder().requireToken("t0k3n").start()) {
      gateway.requireToken("second");

      assertEquals(
          "HTTP/1.1 401 Unauthorized",
          exchange(gateway, connectRequest(ROUTE, "Pomerium nope")).statusLine);
      assertEquals(
          "HTTP/1.1 401 Unauthorized",
          exchange(gateway, connectRequest(ROUTE, "Bearer t0k3n")).statusLine);
      // Accepted token, but no route: the token check passed and the route check answered.
      assertEquals(
          "HTTP/1.1 404 Not Found",
          exchange(gateway, connectRequest(ROUTE, "Pomerium second")).statusLine);
    }
  }

  @Test
  void unknownAuthorityGetsRouteNotFound() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.echo();
        PomeriumGateway gateway =
            PomeriumGateway.builder().route(ROUTE, upstream.address()).start()) {
      Response response = exchange(gateway, connectRequest("other.corp.example.com:22", null));

      assertEquals("HTTP/1.1 404 Not Found", response.statusLine);
      assertEquals("route_not_found", response.body);
    }
  }

  @Test
  void scriptedResponsesAreServedInOrderBeforeDefaultsResume() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.echo();
        PomeriumGateway gateway =
            PomeriumGateway.builder().route(ROUTE, upstream.address()).start()) {
      gateway.enqueue(GatewayResponse.forbidden());

      Response denied = exchange(gateway, connectRequest(ROUTE, null));
      assertEquals("HTTP/1.1 403 Forbidden", denied.statusLine);
      assertTrue(denied.body.contains("Forbidden"), denied.body);

      try (SSLSocket client = connect(gateway, gateway.clientSslContext(), "localhost")) {
        write(client.getOutputStream(), connectRequest(ROUTE, null));
        assertEquals("HTTP/1.1 200 OK", IoUtil.readHead(client.getInputStream(), 1024));
      }
    }
  }

  @Test
  void coalescedGreetingArrivesInTheSameReadAsThe200() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.greetingThenEcho("SSH-2.0-test\r\n");
        PomeriumGateway gateway =
            PomeriumGateway.builder()
                .route(ROUTE, upstream.address())
                .coalesceUpstreamGreeting(true)
                .start();
        SSLSocket client = connect(gateway, gateway.clientSslContext(), "localhost")) {
      write(client.getOutputStream(), connectRequest(ROUTE, null));

      byte[] buffer = new byte[4096];
      int n = client.getInputStream().read(buffer);
      assertEquals("HTTP/1.1 200 OK\r\n\r\nSSH-2.0-test\r\n", new String(buffer, 0, n, ISO_8859_1));
    }
  }

  @Test
  void recordedRequestExposesSniAndAlpn() throws Exception {
    try (PomeriumGateway gateway = PomeriumGateway.builder().hostNames("pomerium.test").start()) {
      assertEquals("https://pomerium.test:" + gateway.port(), gateway.url());
      exchange(gateway, gateway.clientSslContext(), "pomerium.test", connectRequest(ROUTE, null));

      RecordedConnect request = gateway.takeRequest(WAIT);
      assertEquals("pomerium.test", request.sniHostName());
      assertEquals("http/1.1", request.applicationProtocol());
      assertTrue(request.tlsProtocol().startsWith("TLSv1."), request.tlsProtocol());
      assertNull(request.clientCertificateSubject());
    }
  }

  @Test
  void mutualTlsAcceptsOnlyCertificatesFromTheGatewayCa() throws Exception {
    try (PomeriumGateway gateway =
        PomeriumGateway.builder().requireClientCertificate(true).start()) {
      ClientCertificate alice = gateway.issueClientCertificate("alice");
      exchange(gateway, gateway.clientSslContext(alice), "localhost", connectRequest(ROUTE, null));
      assertEquals("CN=alice", gateway.takeRequest(WAIT).clientCertificateSubject());

      // Without a certificate the handshake fails; with TLS 1.3 the client may only notice on read.
      assertThrows(
          IOException.class,
          () ->
              exchange(
                  gateway, gateway.clientSslContext(), "localhost", connectRequest(ROUTE, null)));
      assertEquals(1, gateway.requestCount());
    }
  }

  @Test
  void responseCutFaultDeliversExactlyTheConfiguredTunnelBytes() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.greetingThenEcho("SSH-2.0-test\r\n");
        PomeriumGateway gateway =
            PomeriumGateway.builder().route(ROUTE, upstream.address()).start();
        SSLSocket client = connect(gateway, gateway.clientSslContext(), "localhost")) {
      gateway.setFault(Fault.closeAfterResponseBytes(20));
      try (SSLSocket cut = connect(gateway, gateway.clientSslContext(), "localhost")) {
        write(cut.getOutputStream(), connectRequest(ROUTE, null));
        InputStream in = cut.getInputStream();
        assertEquals("HTTP/1.1 200 OK", IoUtil.readHead(in, 1024));
        assertArrayEquals("SSH-2.0-test\r\n".getBytes(ISO_8859_1), in.readNBytes(14));
        write(cut.getOutputStream(), "0123456789".getBytes(ISO_8859_1));
        assertArrayEquals("012345".getBytes(ISO_8859_1), in.readAllBytes());
      }
      // The fault applies to connections accepted after it was set, not to one already open.
      write(client.getOutputStream(), connectRequest(ROUTE, null));
      assertEquals("HTTP/1.1 200 OK", IoUtil.readHead(client.getInputStream(), 1024));
      byte[] payload = new byte[64 * 1024];
      Arrays.fill(payload, (byte) 'x');
      client.getInputStream().readNBytes(14);
      write(client.getOutputStream(), payload);
      assertArrayEquals(payload, client.getInputStream().readNBytes(payload.length));
    }
  }

  @Test
  void closeEndsEveryGatewayThreadAndSocket() throws Exception {
    try (TcpUpstream upstream = TcpUpstream.echo()) {
      PomeriumGateway gateway = PomeriumGateway.builder().route(ROUTE, upstream.address()).start();
      try (SSLSocket tunnel = connect(gateway, gateway.clientSslContext(), "localhost");
          Socket silent = new Socket()) {
        write(tunnel.getOutputStream(), connectRequest(ROUTE, null));
        assertEquals("HTTP/1.1 200 OK", IoUtil.readHead(tunnel.getInputStream(), 1024));
        gateway.setFault(Fault.acceptAndNeverHandshake());
        silent.connect(gateway.address(), 5000);
        silent.setSoTimeout(5000);
        assertTrue(gateway.awaitOpenConnections(2, WAIT));
        assertFalse(liveThreads("pomerium-gateway-").isEmpty());

        gateway.close();

        assertTrue(gateway.awaitNoOpenConnections(Duration.ZERO));
        assertEquals(-1, silent.getInputStream().read());
        assertEquals(List.of(), liveThreads("pomerium-gateway-"));
      }
    }
  }

  // --- helpers -----------------------------------------------------------------------------

  static List<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix))
        .sorted()
        .collect(Collectors.toList());
  }

  static SSLSocket connect(PomeriumGateway gateway, SSLContext context, String hostName)
      throws IOException {
    Socket raw = new Socket();
    raw.connect(gateway.address(), 5000);
    raw.setSoTimeout(5000);
    SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket(raw, hostName, gateway.port(), true);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setApplicationProtocols(new String[] {"http/1.1"});
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }

  static byte[] connectRequest(String target, String authorization) {
    StringBuilder request = new StringBuilder();
    request.append("CONNECT ").append(target).append(" HTTP/1.1\r\n");
    request.append("Host: ").append(target).append("\r\n");
    request.append("User-Agent: testkit-test\r\n");
    if (authorization != null) {
      request.append("Authorization: ").append(authorization).append("\r\n");
    }
    request.append("\r\n");
    return request.toString().getBytes(ISO_8859_1);
  }

  static void write(OutputStream out, byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  static Response exchange(PomeriumGateway gateway, byte[] request) throws IOException {
    return exchange(gateway, gateway.clientSslContext(), "localhost", request);
  }

  /** Sends one request and reads the response until the gateway closes the connection. */
  private static Response exchange(
      PomeriumGateway gateway, SSLContext context, String hostName, byte[] request)
      throws IOException {
    try (SSLSocket client = connect(gateway, context, hostName)) {
      write(client.getOutputStream(), request);
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      InputStream in = client.getInputStream();
      byte[] buffer = new byte[4096];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        all.write(buffer, 0, n);
        if (all.toString(ISO_8859_1).startsWith("HTTP/1.1 200 ")) {
          break; // a tunnel stays open; the head is all this helper needs
        }
      }
      return new Response(all.toString(ISO_8859_1));
    }
  }

  static final class Response {
    final String statusLine;
    final String head;
    final String body;

    Response(String raw) {
      int end = raw.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new AssertionError("no complete head in: " + raw);
      }
      this.head = raw.substring(0, end + 2);
      this.statusLine = raw.substring(0, raw.indexOf("\r\n"));
      this.body = raw.substring(end + 4);
    }
  }
}
