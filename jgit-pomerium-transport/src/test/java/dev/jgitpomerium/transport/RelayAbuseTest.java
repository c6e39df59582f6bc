package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.internal.relay.LoopbackRelay;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A local process that finds the relay's port gets nothing from it: every request without this very grant's
 * credentials, for this very destination, the first time, is answered 403 and never reaches Pomerium.
 */
class RelayAbuseTest extends TestbedTest {
  LoopbackRelay relay;
  LoopbackRelay.Credentials grant;
  final List<String> rejections = new CopyOnWriteArrayList<>();

  @BeforeEach
  void openOneTunnelAndGrantIt() throws IOException {
    relay = relayWithTtl(Duration.ofSeconds(10));
    grant = grant(relay);
    assertEquals(1, testbed.gateway.requestCount());
  }

  private LoopbackRelay relayWithTtl(Duration ttl) {
    return new LoopbackRelay(ttl, () -> new PomeriumEventListener() {
      @Override
      public void relayConnectionRejected(String reason) {
        rejections.add(reason);
      }
    });
  }

  private LoopbackRelay.Credentials grant(LoopbackRelay r) throws IOException {
    Route route = Route.parse(Testbed.HOST + ":22", testbed.gateway.url());
    return r.grant(new TunnelDialer(testbed.factory().settings()).open(route));
  }

  @AfterEach
  void closeRelay() {
    relay.close();
  }

  /** Sends a proxy CONNECT like JGit's and returns the status line, plus the first tunnel bytes after a 200. */
  private String connect(InetSocketAddress address, String target, String user, char[] password) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(address, 5_000);
      s.setSoTimeout(5_000);
      StringBuilder request = new StringBuilder("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n");
      if (user != null) {
        String basic = Base64.getEncoder().encodeToString((user + ":" + new String(password))
            .getBytes(StandardCharsets.UTF_8));
        request.append("Proxy-Authorization: Basic ").append(basic).append("\r\n");
      }
      OutputStream out = s.getOutputStream();
      out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = new String(HeadReader.read(s.getInputStream(), 8192, () -> { }), StandardCharsets.US_ASCII);
      String status = head.substring(0, head.indexOf('\r'));
      if (!status.contains(" 200 ")) {
        return status;
      }
      out.write("SSH-2.0-relay-test\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] banner = s.getInputStream().readNBytes(8);
      return status + " then " + new String(banner, StandardCharsets.US_ASCII);
    }
  }

  private String connectWithGrant(String target) throws IOException {
    return connect(grant.address(), target, grant.user(), grant.password());
  }

  private static void assertForbidden(String statusLine) {
    assertTrue(statusLine.startsWith("HTTP/1.1 403 Forbidden by the jgit-pomerium relay: "), statusLine);
  }

  @Test
  void theGrantHolderGetsTheTunnelToTheSshServer() throws IOException {
    assertEquals("HTTP/1.1 200 Connection established then SSH-2.0-", connectWithGrant("git.corp.example.com:22"));
  }

  @Test
  void noCredentialsAreForbiddenAndLeaveTheGrantUsable() throws IOException {
    assertForbidden(connect(grant.address(), "git.corp.example.com:22", null, null));
    assertEquals(List.of("no credentials"), rejections);
    assertTrue(connectWithGrant("git.corp.example.com:22").startsWith("HTTP/1.1 200"));
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void aWrongSecretIsForbiddenAndBurnsTheGrant() throws IOException {
    assertForbidden(
        connect(grant.address(), "git.corp.example.com:22", grant.user(), "guessed".toCharArray()));
    assertForbidden(connectWithGrant("git.corp.example.com:22"));
    assertEquals(List.of("wrong secret", "unknown, used or expired credentials"), rejections);
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void aReplayedGrantIsForbidden() throws IOException {
    assertTrue(connectWithGrant("git.corp.example.com:22").startsWith("HTTP/1.1 200"));
    assertForbidden(connectWithGrant("git.corp.example.com:22"));
    assertEquals(List.of("unknown, used or expired credentials"), rejections);
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void aGrantForAnotherDestinationIsForbidden() throws IOException {
    assertForbidden(connectWithGrant("other.corp.example.com:22"));
    assertEquals(List.of("credentials are for another destination"), rejections);
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void anExpiredGrantIsForbidden() throws IOException {
    LoopbackRelay shortLived = relayWithTtl(Duration.ofNanos(1));
    try {
      LoopbackRelay.Credentials expired = grant(shortLived);
      assertForbidden(
          connect(expired.address(), "git.corp.example.com:22", expired.user(), expired.password()));
      // Either the claim or the periodic sweep may find it expired first.
      assertEquals(1, rejections.size());
      assertTrue(rejections.get(0).contains("expired"), rejections.get(0));
    } finally {
      shortLived.close();
    }
  }

  @Test
  void somethingOtherThanConnectIsForbiddenNeverAskedForProxyCredentials() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(grant.address(), 5_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String head = new String(HeadReader.read(s.getInputStream(), 8192, () -> { }), StandardCharsets.US_ASCII);
      assertForbidden(head);
      assertTrue(head.contains("not a CONNECT request"), head);
    }
    assertEquals(List.of("not a CONNECT request"), rejections);
  }

  @Test
  void anEmptyRequestHeadIsForbiddenNotAnError() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(grant.address(), 5_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String head = new String(HeadReader.read(s.getInputStream(), 8192, () -> { }), StandardCharsets.US_ASCII);
      assertForbidden(head);
    }
    assertEquals(List.of("not a CONNECT request"), rejections);
  }

  @Test
  void theRelayListensOnLoopbackOnly() {
    assertTrue(grant.address().getAddress().isLoopbackAddress(), grant.address().toString());
  }
}
