package dev.jgitpomerium.transport.internal.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sign-in callback accepts exactly the one request Pomerium's redirect makes, once. */
class CallbackServerTest {
  private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.callback-test.signature";

  CallbackServer callback;
  URI uri;

  @BeforeEach
  void start() throws IOException {
    callback = CallbackServer.start();
    uri = callback.uri();
  }

  @AfterEach
  void stop() {
    callback.close();
  }

  /** Sends a raw request and returns the status line. */
  private String send(String method, String target, String host) throws IOException {
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      String request = method + " " + target + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n")
          + "Connection: close\r\n\r\n";
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = new String(HeadReader.read(s.getInputStream(), 8192, () -> { }), StandardCharsets.US_ASCII);
      return head.substring(0, head.indexOf("\r\n"));
    }
  }

  private String validTarget() {
    return uri.getRawPath() + "?pomerium_jwt=" + TOKEN;
  }

  private String host() {
    return uri.getAuthority();
  }

  @Test
  void listensOnLoopbackUnderAPathWith256RandomBits() {
    assertEquals("127.0.0.1", uri.getHost());
    String secret = uri.getPath().substring("/callback/".length());
    assertEquals(43, secret.length()); // 32 bytes, base64url without padding
    assertFalse(CallbackServer.class.getName().isEmpty());
  }

  @Test
  void theRedirectWithOneTokenCompletesTheSignInAndTellsTheUserToCloseTheTab() throws Exception {
    assertEquals("HTTP/1.1 200 OK", send("GET", validTarget() + "&state=x", host()));
    assertEquals(PomeriumToken.pomerium(TOKEN), callback.token().get(1, TimeUnit.SECONDS));
  }

  @Test
  void theBrowserGetsItsPageEvenWhenTheSignInClosesTheServerAtOnce() throws Exception {
    // What BrowserSignIn does: the moment the token arrives, the callback server is closed. The race this guards
    // against lost about every other page, so try several servers.
    for (int i = 0; i < 10; i++) {
      callback.close();
      callback = CallbackServer.start();
      uri = callback.uri();
      CallbackServer current = callback;
      current.token().thenRun(current::close);
      assertEquals("HTTP/1.1 200 OK", send("GET", validTarget(), host()));
      assertEquals(PomeriumToken.pomerium(TOKEN), current.token().get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void aSecondUseIsRefusedWithConflict() throws Exception {
    assertEquals("HTTP/1.1 200 OK", send("GET", validTarget(), host()));
    assertEquals("HTTP/1.1 409 Conflict", send("GET", uri.getRawPath() + "?pomerium_jwt=other-token-value-123",
        host()));
    assertEquals(PomeriumToken.pomerium(TOKEN), callback.token().get(1, TimeUnit.SECONDS));
  }

  @Test
  void aWrongPathIsNotFound() throws IOException {
    assertEquals("HTTP/1.1 404 Not Found", send("GET", "/callback/guess?pomerium_jwt=" + TOKEN, host()));
    assertEquals("HTTP/1.1 404 Not Found", send("GET", "/?pomerium_jwt=" + TOKEN, host()));
    assertFalse(callback.token().isDone());
  }

  @Test
  void aWrongOrMissingHostIsRefused() throws IOException {
    assertEquals("HTTP/1.1 400 Bad Request", send("GET", validTarget(), "localhost:" + uri.getPort()));
    assertEquals("HTTP/1.1 400 Bad Request", send("GET", validTarget(), "evil.example.com"));
    assertEquals("HTTP/1.1 400 Bad Request", send("GET", validTarget(), null));
    assertFalse(callback.token().isDone());
  }

  @Test
  void anEmptyRequestIsRefused() {
    assertEquals(400, callback.answer("\r\n\r\n").status());
    assertFalse(callback.token().isDone());
  }

  @Test
  void aPostIsRefused() throws IOException {
    assertEquals("HTTP/1.1 405 Method Not Allowed", send("POST", validTarget(), host()));
    assertFalse(callback.token().isDone());
  }

  @Test
  void twoTokensOrNoneAreRefused() throws IOException {
    assertEquals("HTTP/1.1 400 Bad Request", send("GET", validTarget() + "&pomerium_jwt=" + TOKEN, host()));
    assertEquals("HTTP/1.1 400 Bad Request", send("GET", uri.getRawPath() + "?state=x", host()));
    assertEquals("HTTP/1.1 400 Bad Request", send("GET", uri.getRawPath(), host()));
    assertFalse(callback.token().isDone());
  }

  @Test
  void aCallAfterTheSignInEndedIsRefusedAtTheSocket() {
    callback.close();
    assertThrows(ConnectException.class, () -> send("GET", validTarget(), host()));
    assertFalse(callback.token().isDone());
  }

  @Test
  void aTokenWithInjectedLineBreaksIsRefused() throws IOException {
    assertEquals("HTTP/1.1 400 Bad Request", send("GET", uri.getRawPath() + "?pomerium_jwt=a%0d%0aX:1", host()));
    assertTrue(!callback.token().isDone());
  }
}
