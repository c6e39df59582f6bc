package dev.jgitpomerium.testkit;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One request received by {@link PomeriumGateway}, together with what the TLS layer saw.
 *
 * <p>Tests assert on this rather than on the client's own view, because what matters for Pomerium
 * compatibility is what actually arrived: the exact request-target, the {@code Authorization} form,
 * the SNI name (Pomerium picks the certificate by it), and that ALPN settled on HTTP/1.1.
 */
public final class RecordedConnect {
  private final int sequenceNumber;
  private final String requestLine;
  private final String method;
  private final String target;
  private final String version;
  private final List<Map.Entry<String, String>> headers;
  private final String sniHostName;
  private final String applicationProtocol;
  private final String tlsProtocol;
  private final String clientCertificateSubject;

  RecordedConnect(
      int sequenceNumber,
      String requestLine,
      String method,
      String target,
      String version,
      List<Map.Entry<String, String>> headers,
      String sniHostName,
      String applicationProtocol,
      String tlsProtocol,
      String clientCertificateSubject) {
    this.sequenceNumber = sequenceNumber;
    this.requestLine = Objects.requireNonNull(requestLine);
    this.method = Objects.requireNonNull(method);
    this.target = Objects.requireNonNull(target);
    this.version = Objects.requireNonNull(version);
    this.headers = List.copyOf(headers);
    this.sniHostName = sniHostName;
    this.applicationProtocol = applicationProtocol;
    this.tlsProtocol = tlsProtocol;
    this.clientCertificateSubject = clientCertificateSubject;
  }

  /** Zero-based position of this request among all requests the gateway recorded. */
  public int sequenceNumber() {
    return sequenceNumber;
  }

  /**
   * The request line exactly as received, e.g. {@code CONNECT git.corp.example.com:22 HTTP/1.1}.
   */
  public String requestLine() {
    return requestLine;
  }

  /** The method, e.g. {@code CONNECT}. */
  public String method() {
    return method;
  }

  /**
   * The request-target; for a CONNECT this is the authority, e.g. {@code git.corp.example.com:22}.
   */
  public String target() {
    return target;
  }

  /** The protocol version from the request line, e.g. {@code HTTP/1.1}. */
  public String version() {
    return version;
  }

  /** All header fields in the order received, names as sent, values trimmed. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The first value of the named header (case-insensitive), or null if absent. */
  public String header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  /**
   * The raw {@code Authorization} value, e.g. {@code Pomerium eyJ...}, or null if none was sent.
   */
  public String authorization() {
    return header("Authorization");
  }

  /**
   * The server name the client asked for in the TLS ClientHello, or null if it sent none (JDK
   * clients send none for IP literals and dotless names such as {@code localhost}).
   */
  public String sniHostName() {
    return sniHostName;
  }

  /**
   * The ALPN protocol agreed in the handshake ({@code http/1.1}), or empty if the client offered
   * none.
   */
  public String applicationProtocol() {
    return applicationProtocol;
  }

  /** The TLS version of the connection, e.g. {@code TLSv1.3}. */
  public String tlsProtocol() {
    return tlsProtocol;
  }

  /**
   * The subject of the client certificate in RFC 2253 form (e.g. {@code CN=alice}), or null when no
   * client certificate was requested or sent.
   */
  public String clientCertificateSubject() {
    return clientCertificateSubject;
  }

  @Override
  public String toString() {
    return "RecordedConnect#" + sequenceNumber + "{" + requestLine + "}";
  }
}
