package dev.jgitpomerium.transport.internal.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent connector's bounds, against a fake agent on a Unix-domain socket: a reply too long is refused before it
 * is read, a silent agent times out, a socket that is gone is named. The real ssh-agent is in {@code SshAgentTest}.
 */
class UnixSocketAgentConnectorTest {
  private static final byte REQUEST_IDENTITIES = 11;

  @TempDir Path directory;

  /** Accepts one connection, reads one request, then answers {@code reply} (or nothing, if null) and waits. */
  private CompletableFuture<Void> fakeAgent(ServerSocketChannel server, byte[] reply, CompletableFuture<Void> done) {
    return CompletableFuture.runAsync(() -> {
      try (SocketChannel client = server.accept()) {
        ByteBuffer request = ByteBuffer.allocate(5);
        while (request.hasRemaining() && client.read(request) >= 0) {
          // read the request
        }
        if (reply != null) {
          client.write(ByteBuffer.wrap(reply));
        }
        done.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the test ended
      }
    });
  }

  @Test
  void aReplyLongerThanOpenSshsLimitIsRefusedWithoutBeingRead() throws Exception {
    Path socket = directory.resolve("agent.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<Void> done = new CompletableFuture<>();
      fakeAgent(server, ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array(), done);
      try (UnixSocketAgentConnector connector =
          new UnixSocketAgentConnector(socket, "IdentityAgent", new AuthenticationNotes())) {
        assertTrue(connector.connect());
        IOException e = assertThrows(IOException.class, () -> connector.rpc(REQUEST_IDENTITIES));
        assertTrue(e.getMessage().contains(Integer.toString(Integer.MAX_VALUE)), e.getMessage());
      } finally {
        done.complete(null);
      }
    }
  }

  @Test
  void anAgentThatDoesNotAnswerTimesOut() throws Exception {
    Path socket = directory.resolve("agent.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<Void> done = new CompletableFuture<>();
      fakeAgent(server, null, done);
      try (UnixSocketAgentConnector connector = new UnixSocketAgentConnector(socket, "SSH_AUTH_SOCK",
          new AuthenticationNotes(), Duration.ofMillis(300))) {
        assertTrue(connector.connect());
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> connector.rpc(REQUEST_IDENTITIES));
        assertEquals("the ssh-agent at " + socket + " did not answer within 300 ms", e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
      } finally {
        done.complete(null);
      }
    }
  }

  @Test
  void aSocketThatIsGoneIsNoAgentAndIsNamedInTheNotes() throws IOException {
    Path gone = directory.resolve("gone.sock");
    AuthenticationNotes notes = new AuthenticationNotes();
    try (UnixSocketAgentConnector connector = new UnixSocketAgentConnector(gone, "IdentityAgent", notes)) {
      assertFalse(connector.connect());
    }
    assertEquals(java.util.List.of("The ssh-agent at " + gone + " (from IdentityAgent) cannot be reached (no such "
        + "socket): is the agent running, and IdentityAgent up to date?"), notes.all());
  }

  @Test
  void aCertificateSignatureIsNamedAsSshdAskedForIt() {
    byte[] keyBlob = concat(string("ssh-ed25519-cert-v01@openssh.com"), string("rest of the certificate"));
    byte[] request = concat(new byte[] {0, 0, 0, 0, 13}, string(keyBlob), string("data"), new byte[4]);
    byte[] reply = concat(new byte[] {14}, string(concat(string("ssh-ed25519"), string("signature"))));

    byte[] named = CertificateSignatures.named(request, reply);

    assertArrayEquals(concat(new byte[] {14},
        string(concat(string("ssh-ed25519-cert-v01@openssh.com"), string("signature")))), named);
    byte[] plainKeyRequest = concat(new byte[] {0, 0, 0, 0, 13}, string(string("ssh-ed25519")), string("d"));
    assertArrayEquals(reply, CertificateSignatures.named(plainKeyRequest, reply), "plain keys are left alone");
  }

  private static byte[] string(String s) {
    return string(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] string(byte[] bytes) {
    return ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes).array();
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteBuffer all = ByteBuffer.allocate(length);
    for (byte[] part : parts) {
      all.put(part);
    }
    return all.array();
  }
}
