package dev.jgitpomerium.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A scripted answer to one CONNECT request, queued with {@link PomeriumGateway#enqueue}.
 *
 * <p>Instances are immutable; every modifier returns a copy, so a response can be built once and
 * enqueued many times. The factories reproduce what a real Pomerium (Envoy plus the authorize
 * service) sends for the situations a tunnel client has to tell apart: sign-in needed, token
 * rejected, policy denied, no such route, upstream down.
 *
 * <p>A 2xx response is treated like Pomerium's own 200: after the head (and body, if one was set)
 * the gateway splices the connection to the route's upstream if the target has a route, or closes
 * it if not. Any other status closes the connection after the response.
 */
public final class GatewayResponse {
  private static final String SIGN_IN_URL =
      "https://authenticate.example.com/.pomerium/sign_in"
          + "?pomerium_redirect_uri=https%3A%2F%2Fgit.corp.example.com%3A22";

  private static final Map<Integer, String> REASONS =
      Map.ofEntries(
          Map.entry(100, "Continue"),
          Map.entry(101, "Switching Protocols"),
          Map.entry(200, "OK"),
          Map.entry(201, "Created"),
          Map.entry(202, "Accepted"),
          Map.entry(204, "No Content"),
          Map.entry(301, "Moved Permanently"),
          Map.entry(302, "Found"),
          Map.entry(303, "See Other"),
          Map.entry(304, "Not Modified"),
          Map.entry(307, "Temporary Redirect"),
          Map.entry(308, "Permanent Redirect"),
          Map.entry(400, "Bad Request"),
          Map.entry(401, "Unauthorized"),
          Map.entry(403, "Forbidden"),
          Map.entry(404, "Not Found"),
          Map.entry(405, "Method Not Allowed"),
          Map.entry(407, "Proxy Authentication Required"),
          Map.entry(408, "Request Timeout"),
          Map.entry(421, "Misdirected Request"),
          Map.entry(429, "Too Many Requests"),
          Map.entry(431, "Request Header Fields Too Large"),
          Map.entry(495, "SSL Certificate Error"),
          Map.entry(500, "Internal Server Error"),
          Map.entry(501, "Not Implemented"),
          Map.entry(502, "Bad Gateway"),
          Map.entry(503, "Service Unavailable"),
          Map.entry(504, "Gateway Timeout"));

  private final int code;
  private final String reason;
  private final List<Map.Entry<String, String>> headers;
  private final byte[] body;

  private GatewayResponse(
      int code, String reason, List<Map.Entry<String, String>> headers, byte[] body) {
    this.code = code;
    this.reason = reason;
    this.headers = List.copyOf(headers);
    this.body = body;
  }

  /**
   * A response with status {@code code}, its standard reason phrase, no headers and no body.
   *
   * @throws IllegalArgumentException if {@code code} is not a three-digit HTTP status
   */
  public static GatewayResponse status(int code) {
    if (code < 100 || code > 599) {
      throw new IllegalArgumentException("not an HTTP status: " + code);
    }
    return new GatewayResponse(code, standardReason(code), List.of(), new byte[0]);
  }

  /**
   * Pomerium's answer to a CONNECT without a session: a redirect to the sign-in page. Clients must
   * treat it as "log in", never follow it.
   */
  public static GatewayResponse redirectToSignIn() {
    return redirectToSignIn(SIGN_IN_URL);
  }

  static GatewayResponse redirectToSignIn(String location) {
    return status(302).header("Location", location).header("Content-Length", "0");
  }

  /**
   * Pomerium's answer (v0.33+) to a token that is expired, unknown or badly signed: 401 with a
   * small JSON body. Clients must treat it like the redirect: log in again.
   */
  public static GatewayResponse unauthorized() {
    return status(401)
        .header("Content-Type", "application/json")
        .body("{\"error\":\"Unauthorized\",\"request_id\":\"testkit\"}\n");
  }

  /**
   * Pomerium's answer when the user is signed in but the route's policy denies them: 403 with an
   * HTML error page. Logging in again would not help, so clients must not retry.
   */
  public static GatewayResponse forbidden() {
    return status(403)
        .header("Content-Type", "text/html; charset=UTF-8")
        .body(
            "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>"
                + "<body><h1>Forbidden</h1><p>Access to this route is denied by policy.</p>"
                + "</body></html>\n");
  }

  /** Envoy's answer when no TCP route matches the CONNECT authority. */
  public static GatewayResponse notFound() {
    return status(404).header("Content-Type", "text/plain").body("route_not_found");
  }

  /** Envoy's answer when the route exists but its upstream cannot be reached. */
  public static GatewayResponse unavailable() {
    return status(503)
        .header("Content-Type", "text/plain")
        .body(
            "upstream connect error or disconnect/reset before headers. "
                + "reset reason: connection failure");
  }

  /** Returns a copy with a different reason phrase, e.g. to test that clients show it. */
  public GatewayResponse reason(String reason) {
    checkNoLineBreak(Objects.requireNonNull(reason, "reason"));
    return new GatewayResponse(code, reason, headers, body);
  }

  /**
   * Returns a copy with one more header line. Repeated names are kept in order, which lets tests
   * send duplicate or conflicting headers on purpose.
   */
  public GatewayResponse header(String name, String value) {
    checkNoLineBreak(Objects.requireNonNull(name, "name"));
    checkNoLineBreak(Objects.requireNonNull(value, "value"));
    if (name.isEmpty() || name.indexOf(':') >= 0) {
      throw new IllegalArgumentException("bad header name: " + name);
    }
    List<Map.Entry<String, String>> copy = new ArrayList<>(headers);
    copy.add(Map.entry(name, value));
    return new GatewayResponse(code, reason, copy, body);
  }

  /**
   * Returns a copy with this UTF-8 body and a matching {@code Content-Length}, replacing any
   * earlier {@code Content-Length} header.
   */
  public GatewayResponse body(String body) {
    byte[] bytes = Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8);
    List<Map.Entry<String, String>> copy = new ArrayList<>(headers);
    copy.removeIf(h -> h.getKey().equalsIgnoreCase("Content-Length"));
    copy.add(Map.entry("Content-Length", Integer.toString(bytes.length)));
    return new GatewayResponse(code, reason, copy, bytes);
  }

  /** The status code. */
  public int code() {
    return code;
  }

  /** The reason phrase written after the status code. */
  public String reason() {
    return reason;
  }

  /** Header lines in the order they will be written. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The body as text; empty when none was set. */
  public String body() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Whether this is a 2xx, which makes the gateway open the tunnel after writing it. */
  public boolean isSuccessful() {
    return code >= 200 && code < 300;
  }

  /** The exact bytes written on the wire: status line, headers, blank line, body. */
  byte[] encode() {
    StringBuilder head = new StringBuilder(128);
    head.append("HTTP/1.1 ").append(code).append(' ').append(reason).append("\r\n");
    for (Map.Entry<String, String> h : headers) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  @Override
  public String toString() {
    return "HTTP/1.1 " + code + " " + reason;
  }

  private static void checkNoLineBreak(String s) {
    if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) {
      throw new IllegalArgumentException(
          "line breaks are not allowed; use Fault.rawResponse for malformed heads");
    }
  }

  static String standardReason(int code) {
    return REASONS.getOrDefault(code, "Status " + code);
  }
}
