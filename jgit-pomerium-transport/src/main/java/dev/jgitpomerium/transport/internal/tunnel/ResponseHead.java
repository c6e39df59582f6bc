package dev.jgitpomerium.transport.internal.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The status line and headers of an HTTP/1.x response to {@code CONNECT}.
 *
 * <p>Read with {@link HeadReader}, which never consumes a byte past the blank line.
 */
public final class ResponseHead {
  private final int status;
  private final String reason;
  private final List<String[]> headers;

  private ResponseHead(int status, String reason, List<String[]> headers) {
    this.status = status;
    this.reason = reason;
    this.headers = headers;
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }

  /** The first value of header {@code name} (case-insensitive), or {@code null}. */
  public String header(String name) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        return h[1];
      }
    }
    return null;
  }

  /** Every value of header {@code name} (case-insensitive), in order. */
  public java.util.List<String> headers(String name) {
    java.util.List<String> values = new java.util.ArrayList<>();
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        values.add(h[1]);
      }
    }
    return values;
  }

  /**
   * Reads a head from {@code in} up to and including its terminating blank line.
   *
   * @throws ProtocolException if the head exceeds {@code maxBytes} or is malformed
   * @throws EOFException if the stream ends before the head does
   */
  public static ResponseHead read(InputStream in, int maxBytes, HeadReader.ReadGuard guard) throws IOException {
    return parse(HeadReader.read(in, maxBytes, guard));
  }

  /** Parses a complete head. Exposed for tests and fuzzing. */
  public static ResponseHead parse(byte[] raw) throws ProtocolException {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    String[] lines = text.split("\r?\n", -1);
    String statusLine = lines[0];
    // "HTTP/1.1 200 Connection established": version, three-digit code, optional reason.
    if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
      throw new ProtocolException("not an HTTP/1.x status line: " + HeadReader.printable(statusLine));
    }
    char minor = statusLine.charAt(7);
    if (minor != '0' && minor != '1') {
      throw new ProtocolException("unsupported HTTP version: " + HeadReader.printable(statusLine));
    }
    String code = statusLine.substring(9, 12);
    if (!code.chars().allMatch(c -> c >= '0' && c <= '9')
        || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
      throw new ProtocolException("malformed status code: " + HeadReader.printable(statusLine));
    }
    int status = Integer.parseInt(code);
    if (status < 100) {
      throw new ProtocolException("malformed status code: " + HeadReader.printable(statusLine));
    }
    String reason = statusLine.length() > 13 ? statusLine.substring(13).strip() : "";
    List<String[]> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new ProtocolException("malformed header line: " + HeadReader.printable(line));
      }
      headers.add(new String[] {line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).strip()});
    }
    return new ResponseHead(status, HeadReader.printable(reason), List.copyOf(headers));
  }

  @Override
  public String toString() {
    return "HTTP " + status + (reason.isEmpty() ? "" : " " + reason);
  }
}
