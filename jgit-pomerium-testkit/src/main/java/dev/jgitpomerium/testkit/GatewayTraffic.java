package dev.jgitpomerium.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** What {@link PomeriumGateway} saw, for tests to assert on: the requests in order, and the TLS handshakes. */
final class GatewayTraffic {
  private final List<RecordedConnect> recorded = new ArrayList<>(); // guarded by itself
  private final BlockingQueue<RecordedConnect> untaken = new LinkedBlockingQueue<>();
  private final AtomicInteger tlsHandshakes = new AtomicInteger();
  private final AtomicInteger resumedTlsHandshakes = new AtomicInteger();

  /** Counts a completed handshake; {@code resumed} when it resumed an earlier session. */
  void handshake(boolean resumed) {
    tlsHandshakes.incrementAndGet();
    if (resumed) {
      resumedTlsHandshakes.incrementAndGet();
    }
  }

  /** Records a request with what the TLS session knows of it. */
  RecordedConnect record(RequestHead head, String sni, String alpn, String tlsProtocol, String clientSubject) {
    RecordedConnect request;
    synchronized (recorded) {
      request =
          new RecordedConnect(
              recorded.size(),
              head.requestLine,
              head.method,
              head.target,
              head.version,
              head.headers,
              sni,
              alpn == null ? "" : alpn,
              tlsProtocol,
              clientSubject);
      recorded.add(request);
    }
    untaken.add(request);
    return request;
  }

  RecordedConnect take(Duration timeout) throws InterruptedException {
    return untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  List<RecordedConnect> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  int requestCount() {
    synchronized (recorded) {
      return recorded.size();
    }
  }

  int tlsHandshakes() {
    return tlsHandshakes.get();
  }

  int resumedTlsHandshakes() {
    return resumedTlsHandshakes.get();
  }
}
