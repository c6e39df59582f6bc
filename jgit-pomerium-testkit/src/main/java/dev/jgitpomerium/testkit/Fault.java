package dev.jgitpomerium.testkit;

import java.util.Arrays;
import java.util.Objects;

/**
 * A way for {@link PomeriumGateway} to misbehave, set with {@link PomeriumGateway#setFault}.
 *
 * <p>Each fault reproduces a failure a tunnel client meets in the field: a proxy that resets
 * mid-response, a network that cuts a clone halfway, a load balancer that accepts TCP and then
 * hangs. A fault applies to connections accepted after it was set, and it takes precedence over
 * both scripted responses and the default behaviour; faults that answer the request themselves
 * leave the scripted queue untouched. The request is still recorded whenever one was read.
 */
public final class Fault {
  enum Kind {
    NONE,
    CLOSE_AFTER_RESPONSE_BYTES,
    CLOSE_AFTER_REQUEST_BYTES,
    RESET_DURING_HEAD,
    CLOSE_AFTER_200,
    STALL,
    ACCEPT_AND_NEVER_HANDSHAKE,
    RAW_RESPONSE,
    OVERSIZED_HEADER,
    HEADERS_NEVER_END
  }

  private static final Fault NONE = new Fault(Kind.NONE, 0, null);

  private final Kind kind;
  private final long amount;
  private final byte[] bytes;

  private Fault(Kind kind, long amount, byte[] bytes) {
    this.kind = kind;
    this.amount = amount;
    this.bytes = bytes;
  }

  /** Normal behaviour: the gateway acts like a healthy Pomerium. */
  public static Fault none() {
    return NONE;
  }

  /**
   * After a 200, let {@code bytes} bytes flow from the upstream to the client (counting any
   * coalesced greeting), then close both sockets: a connection cut in the middle of a clone.
   */
  public static Fault closeAfterResponseBytes(long bytes) {
    return new Fault(Kind.CLOSE_AFTER_RESPONSE_BYTES, requireNonNegative(bytes), null);
  }

  /**
   * After a 200, let {@code bytes} bytes flow from the client to the upstream, then close both
   * sockets: a connection cut in the middle of a push.
   */
  public static Fault closeAfterRequestBytes(long bytes) {
    return new Fault(Kind.CLOSE_AFTER_REQUEST_BYTES, requireNonNegative(bytes), null);
  }

  /**
   * After reading the request, write {@code HTTP/1.1 2} and reset the TCP connection (SO_LINGER 0),
   * so the client sees a truncated status line followed by a connection reset.
   */
  public static Fault resetDuringHead() {
    return new Fault(Kind.RESET_DURING_HEAD, 0, null);
  }

  /**
   * Write {@code HTTP/1.1 200 OK} and close at once: the tunnel "opens" but the upstream is gone
   * before it sent a byte.
   */
  public static Fault closeAfter200() {
    return new Fault(Kind.CLOSE_AFTER_200, 0, null);
  }

  /**
   * Complete TLS, read the request, and never answer (until the client leaves or the gateway is
   * closed): tests that clients bound their wait for the CONNECT response.
   */
  public static Fault stall() {
    return new Fault(Kind.STALL, 0, null);
  }

  /**
   * Accept the TCP connection but never take part in the TLS handshake: tests that clients bound
   * the handshake, which a plain read timeout set too late does not cover.
   */
  public static Fault acceptAndNeverHandshake() {
    return new Fault(Kind.ACCEPT_AND_NEVER_HANDSHAKE, 0, null);
  }

  /**
   * Write these bytes verbatim as the whole response and close: for malformed heads such as {@code
   * "garbage\r\n\r\n"} or a head with no status line.
   */
  public static Fault rawResponse(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return new Fault(Kind.RAW_RESPONSE, bytes.length, bytes.clone());
  }

  /**
   * Answer {@code HTTP/1.1 200 OK} with one header line {@code bytes} long, then the blank line,
   * then close: tests that clients cap the size of the response head.
   */
  public static Fault oversizedHeader(int bytes) {
    if (bytes < 16) {
      throw new IllegalArgumentException("header line must be at least 16 bytes: " + bytes);
    }
    return new Fault(Kind.OVERSIZED_HEADER, bytes, null);
  }

  /**
   * Answer {@code HTTP/1.1 200 OK} and then keep sending a short header line every 50 ms, for at
   * most two minutes: tests that clients bound the total time spent reading the head, not just the
   * time between bytes.
   */
  public static Fault headersNeverEnd() {
    return new Fault(Kind.HEADERS_NEVER_END, 0, null);
  }

  Kind kind() {
    return kind;
  }

  long amount() {
    return amount;
  }

  byte[] bytes() {
    return bytes.clone();
  }

  private static long requireNonNegative(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("negative byte count: " + n);
    }
    return n;
  }

  @Override
  public String toString() {
    switch (kind) {
      case CLOSE_AFTER_RESPONSE_BYTES:
      case CLOSE_AFTER_REQUEST_BYTES:
      case OVERSIZED_HEADER:
        return "Fault." + kind + "(" + amount + ")";
      case RAW_RESPONSE:
        return "Fault.RAW_RESPONSE(" + Arrays.toString(bytes) + ")";
      default:
        return "Fault." + kind;
    }
  }
}
