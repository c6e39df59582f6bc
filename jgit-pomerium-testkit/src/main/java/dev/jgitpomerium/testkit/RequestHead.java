package dev.jgitpomerium.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A parsed HTTP/1.x request head as {@link PomeriumGateway} received it, before it is recorded. */
final class RequestHead {
  private static final String POMERIUM_PATH_PREFIX = "/.pomerium/";

  final String requestLine;
  final String method;
  final String target;
  final String version;
  final List<Map.Entry<String, String>> headers;

  private RequestHead(String requestLine, String[] parts, List<Map.Entry<String, String>> headers) {
    this.requestLine = requestLine;
    this.method = parts[0];
    this.target = parts[1];
    this.version = parts[2];
    this.headers = headers;
  }

  /**
   * Parses a request head.
   *
   * @return the head, or null if it is not a well-formed HTTP/1.x request
   */
  static RequestHead parse(String head) {
    String[] lines = head.split("\r\n", -1);
    String[] parts = lines[0].split(" ", -1);
    if (parts.length != 3
        || parts[0].isEmpty()
        || parts[1].isEmpty()
        || !parts[2].startsWith("HTTP/")) {
      return null;
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      int colon = line.indexOf(':');
      if (colon <= 0 || line.substring(0, colon).strip().length() != colon) {
        return null;
      }
      headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).strip()));
    }
    return new RequestHead(lines[0], parts, headers);
  }

  String header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  /** Whether Pomerium itself answers this request instead of treating it as a tunnel. */
  boolean isPomeriumHttp() {
    if ("CONNECT".equals(method)) {
      return false;
    }
    String path = Urls.path(Urls.originForm(target));
    return path.equals("/.pomerium") || path.startsWith(POMERIUM_PATH_PREFIX);
  }
}
