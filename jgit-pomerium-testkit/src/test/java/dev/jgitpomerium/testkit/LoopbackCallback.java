package dev.jgitpomerium.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The client's side of a browser login in tests: a plain-HTTP server on 127.0.0.1 that answers
 * {@code GET <path>} with "login complete" and keeps the raw query of every hit, as
 * pomerium-cli's callback listener does.
 */
final class LoopbackCallback implements AutoCloseable {
  private final HttpServer server;
  private final String path;
  private final List<String> rawQueries = new CopyOnWriteArrayList<>();

  private LoopbackCallback(String path) throws IOException {
    this.path = path;
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.createContext(
        path,
        exchange -> {
          rawQueries.add(String.valueOf(exchange.getRequestURI().getRawQuery()));
          byte[] body = "login complete".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  static LoopbackCallback start(String path) throws IOException {
    return new LoopbackCallback(path);
  }

  /** {@code http://127.0.0.1:<port><path>}, the redirect URI a client would register. */
  String uri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** Raw query strings of the requests received so far. */
  List<String> rawQueries() {
    return List.copyOf(rawQueries);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
