package dev.jgitpomerium.transport.internal.signin;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.internal.relay.Sockets;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loopback page Pomerium's sign-in redirects the browser to, with the new token in {@code pomerium_jwt}.
 *
 * <p>pomerium-cli accepts any method, path and Host with a token (and has an unmerged branch hardening that); any
 * local process or web page could then plant its own token. This one accepts exactly one request: {@code GET}, Host
 * {@code 127.0.0.1:<port>}, the path {@code /callback/<256 random bits>}, exactly one {@code pomerium_jwt}; the head
 * must arrive within 5 s. Everything else is refused, and a second valid request gets 409.
 */
public final class CallbackServer implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(CallbackServer.class);
  private static final long HEAD_TIMEOUT_NANOS = 5_000_000_000L;
  private static final int MAX_HEAD_BYTES = 8 * 1024;
  private static final int MAX_PENDING = 16;

  private final ServerSocket server;
  private final String path;
  private final String host;
  private final CompletableFuture<PomeriumToken> token = new CompletableFuture<>();
  private final AtomicBoolean used = new AtomicBoolean();
  private final Set<Socket> pending = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  private CallbackServer(ServerSocket server, String path) {
    this.server = server;
    this.path = path;
    this.host = "127.0.0.1:" + server.getLocalPort();
    this.acceptor = new Thread(this::acceptLoop, "jgit-pomerium-sign-in-callback-" + server.getLocalPort());
    acceptor.setDaemon(true);
  }

  public static CallbackServer start() throws IOException {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    ServerSocket s = new ServerSocket(0, MAX_PENDING, InetAddress.getByName("127.0.0.1"));
    CallbackServer callback =
        new CallbackServer(s, "/callback/" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    callback.acceptor.start();
    return callback;
  }

  /** Where Pomerium must send the browser: {@code http://127.0.0.1:<port>/callback/<secret>}. */
  URI uri() {
    return URI.create("http://" + host + path);
  }

  /** Completes with the token of the first valid callback. */
  CompletableFuture<PomeriumToken> token() {
    return token;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        if (pending.size() >= MAX_PENDING) {
          Sockets.closeQuietly(socket);
          continue;
        }
        pending.add(socket);
        Thread handler = new Thread(() -> handle(socket), acceptor.getName() + "-request");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException e) {
        if (!server.isClosed()) {
          log.debug("sign-in callback accept failed: {}", e.toString());
        }
      }
    }
  }

  private void handle(Socket socket) {
    try (socket) {
      long deadline = System.nanoTime() + HEAD_TIMEOUT_NANOS;
      byte[] head = HeadReader.read(socket.getInputStream(), MAX_HEAD_BYTES,
          () -> socket.setSoTimeout(HeadReader.remainingMillis(deadline)));
      Answer answer = answer(new String(head, StandardCharsets.ISO_8859_1));
      // The page first, the token after: completing the token ends the sign-in, which closes this server, and the
      // browser must not be left with a reset instead of "Signed in".
      try {
        respond(socket.getOutputStream(), answer);
      } finally {
        if (answer.token() != null) {
          token.complete(answer.token());
        }
      }
    } catch (IOException e) {
      log.debug("sign-in callback request failed: {}", e.toString());
    } finally {
      pending.remove(socket);
    }
  }

  public record Answer(int status, String reason, String page, PomeriumToken token) {
    Answer(int status, String reason, String page) {
      this(status, reason, page, null);
    }
  }

  public Answer answer(String head) {
    String[] lines = head.split("\r?\n", -1);
    String[] requestLine = lines[0].split(" ", -1);
    if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
      return refuse(400, "Bad Request", "not an HTTP/1 request");
    }
    if (!requestLine[0].equals("GET")) {
      return refuse(405, "Method Not Allowed", "method " + HeadReader.printable(requestLine[0]));
    }
    List<String> hosts = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("Host")) {
        hosts.add(lines[i].substring(colon + 1).trim());
      }
    }
    if (hosts.size() != 1 || !hosts.get(0).equals(host)) {
      return refuse(400, "Bad Request", "wrong Host");
    }
    String target = requestLine[1];
    int q = target.indexOf('?');
    String requestPath = q < 0 ? target : target.substring(0, q);
    if (!MessageDigest.isEqual(requestPath.getBytes(StandardCharsets.US_ASCII),
        path.getBytes(StandardCharsets.US_ASCII))) {
      // Browsers ask for a tab icon after the page; that is not worth a warning.
      return requestPath.equals("/favicon.ico") ? new Answer(404, "Not Found", "")
          : refuse(404, "Not Found", "wrong path");
    }
    List<String> jwts = new ArrayList<>();
    if (q >= 0) {
      for (String parameter : target.substring(q + 1).split("&")) {
        int eq = parameter.indexOf('=');
        String name = eq < 0 ? parameter : parameter.substring(0, eq);
        if (decode(name).equals("pomerium_jwt")) {
          jwts.add(eq < 0 ? "" : decode(parameter.substring(eq + 1)));
        }
      }
    }
    if (jwts.size() != 1) {
      return refuse(400, "Bad Request", jwts.isEmpty() ? "no pomerium_jwt" : "more than one pomerium_jwt");
    }
    PomeriumToken received;
    try {
      received = PomeriumToken.pomerium(jwts.get(0));
    } catch (IllegalArgumentException e) {
      return refuse(400, "Bad Request", "malformed pomerium_jwt");
    }
    if (!used.compareAndSet(false, true)) {
      return refuse(409, "Conflict", "callback already used");
    }
    return new Answer(200, "OK", "<!doctype html><html><head><meta charset=\"utf-8\"><title>Signed in</title></head>"
        + "<body><h1>Signed in to Pomerium</h1><p>You can close this tab and go back to your git operation.</p>"
        + "</body></html>", received);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private static Answer refuse(int status, String reason, String why) {
    log.warn("refused a request to the sign-in callback: {}", why);
    return new Answer(status, reason, "<!doctype html><html><body><p>" + reason + "</p></body></html>");
  }

  private static void respond(OutputStream out, Answer answer) throws IOException {
    byte[] body = answer.page().getBytes(StandardCharsets.UTF_8);
    // no-referrer: the page's address holds the token; no-store: so does the browser's cache entry.
    String head = "HTTP/1.1 " + answer.status() + " " + answer.reason() + "\r\n"
        + "Content-Type: text/html; charset=utf-8\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "Cache-Control: no-store\r\n"
        + "Referrer-Policy: no-referrer\r\n"
        + "Connection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  @Override
  public void close() {
    Sockets.closeQuietly(server);
    pending.forEach(Sockets::closeQuietly);
    try {
      acceptor.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
