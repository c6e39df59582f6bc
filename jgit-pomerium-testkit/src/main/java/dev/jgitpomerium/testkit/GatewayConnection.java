package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.jgitpomerium.testkit.internal.Acceptor;
import dev.jgitpomerium.testkit.internal.IoUtil;
import dev.jgitpomerium.testkit.internal.IoUtil.HeadTooLargeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of {@link PomeriumGateway}: TLS, the request head, then either a {@link SignInPages sign-in
 * page}, the fault the connection was accepted under, or the CONNECT answer of the {@link GatewayPolicy policy} and,
 * for a 200, the tunnel spliced to the upstream (no half-close: the first side to end the stream ends it for both).
 */
final class GatewayConnection implements Acceptor.Connection {
  /** The gateway's logger, so that one log setting covers the whole gateway. */
  private static final Logger LOG = LoggerFactory.getLogger(PomeriumGateway.class);

  private static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  private static final int HEAD_TIMEOUT_MILLIS = 10_000;
  private static final int MAX_HEAD_BYTES = 16 * 1024;
  private static final int UPSTREAM_CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int GREETING_WAIT_MILLIS = 2_000;

  /** How long one splice read blocks, at most, before the tunnel's idle time is checked. */
  static final int SPLICE_READ_TIMEOUT_MILLIS = 30_000;

  /** Upper bound for faults that hold a connection without progress. */
  private static final long FAULT_HOLD_LIMIT_NANOS = Duration.ofMinutes(2).toNanos();

  private static final long HEADERS_NEVER_END_INTERVAL_MILLIS = 50;
  private static final Duration PUMP_JOIN_WAIT = Duration.ofSeconds(5);

  private final PomeriumGateway gateway;
  private final int id;
  private final Socket raw;
  private final Fault fault;
  private SSLSocket tls; // guarded by this
  private Socket upstream; // guarded by this
  private boolean aborted; // guarded by this
  private volatile long lastActivity = System.nanoTime();
  private volatile boolean blackholed;
  private final long acceptedAtMillis = System.currentTimeMillis();

  GatewayConnection(PomeriumGateway gateway, int id, Socket raw) {
    this.gateway = gateway;
    this.id = id;
    this.raw = raw;
    this.fault = gateway.policy.fault();
  }

  @Override
  public String threadName() {
    return "pomerium-gateway-conn-" + gateway.port() + "-" + id;
  }

  /** Drops every byte from now on, either way, keeping the connection open: a dead peer. */
  void blackhole() {
    blackholed = true;
  }

  @Override
  public void serve() {
    try {
      serveOrThrow();
    } catch (IOException | RuntimeException e) {
      if (!gateway.isClosing()) {
        LOG.debug("PomeriumGateway {} connection {} ended: {}", gateway.port(), id, e.toString());
      }
    } finally {
      SSLSocket tlsSocket;
      Socket upstreamSocket;
      synchronized (this) {
        tlsSocket = tls;
        upstreamSocket = upstream;
      }
      IoUtil.closeQuietly(upstreamSocket);
      // A graceful TLS close sends close_notify after the response; the raw close below is a
      // no-op then, and the backstop when TLS never started.
      IoUtil.closeQuietly(tlsSocket);
      IoUtil.closeQuietly(raw);
      gateway.acceptor.finished(this);
    }
  }

  /** Hard close from {@link PomeriumGateway#close()}: unblocks every read and write at once. */
  @Override
  public void abort() {
    Socket upstreamSocket;
    synchronized (this) {
      aborted = true;
      upstreamSocket = upstream;
    }
    IoUtil.closeQuietly(upstreamSocket);
    IoUtil.closeQuietly(raw);
  }

  private synchronized void attachTls(SSLSocket socket) throws IOException {
    tls = socket;
    if (aborted) {
      throw new IOException("gateway closed");
    }
  }

  private synchronized void attachUpstream(Socket socket) throws IOException {
    upstream = socket;
    if (aborted) {
      throw new IOException("gateway closed");
    }
  }

  private void serveOrThrow() throws IOException {
    raw.setTcpNoDelay(true);
    if (fault.kind() == Fault.Kind.ACCEPT_AND_NEVER_HANDSHAKE) {
      holdOpen(raw.getInputStream());
      return;
    }
    SSLSocket socket = gateway.tls.serverSocket(raw);
    attachTls(socket);
    raw.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
    socket.startHandshake();
    // A resumed session keeps the creation time of the one it resumes, from before this connection.
    gateway.traffic.handshake(socket.getSession().getCreationTime() < acceptedAtMillis);

    raw.setSoTimeout(HEAD_TIMEOUT_MILLIS);
    OutputStream out = socket.getOutputStream();
    String head;
    try {
      head = IoUtil.readHead(socket.getInputStream(), MAX_HEAD_BYTES);
    } catch (HeadTooLargeException e) {
      write(out, GatewayResponse.status(431).header("Content-Length", "0").encode());
      return;
    }
    RequestHead parsed = RequestHead.parse(head);
    if (parsed == null) {
      write(out, GatewayResponse.status(400).body("bad request").encode());
      return;
    }
    if (parsed.isPomeriumHttp()) {
      gateway.signInPages.serve(parsed, socket.getInputStream(), out);
      return;
    }
    RecordedConnect request =
        gateway.traffic.record(
            parsed,
            GatewayTls.serverName(socket.getSession()),
            socket.getApplicationProtocol(),
            socket.getSession().getProtocol(),
            gateway.tls.clientSubject(socket.getSession()));
    LOG.debug("PomeriumGateway {} received {}", gateway.port(), request.requestLine());

    switch (fault.kind()) {
      case RESET_DURING_HEAD:
        write(out, "HTTP/1.1 2".getBytes(ISO_8859_1));
        raw.setSoLinger(true, 0);
        raw.close();
        return;
      case CLOSE_AFTER_200:
        write(out, GatewayResponse.status(200).encode());
        return;
      case STALL:
        holdOpen(socket.getInputStream());
        return;
      case RAW_RESPONSE:
        write(out, fault.bytes());
        return;
      case OVERSIZED_HEADER:
        writeOversizedHeader(out, (int) fault.amount());
        return;
      case HEADERS_NEVER_END:
        writeEndlessHeaders(out);
        return;
      default:
        break;
    }

    GatewayResponse response = gateway.policy.answer(request);
    if (!response.isSuccessful()) {
      write(out, response.encode());
      return;
    }
    openTunnel(socket, response, gateway.policy.upstream(request.target()));
  }

  private void openTunnel(SSLSocket socket, GatewayResponse response, InetSocketAddress target)
      throws IOException {
    Socket up = null;
    if (target != null) {
      up = new Socket();
      attachUpstream(up);
      try {
        up.connect(target, UPSTREAM_CONNECT_TIMEOUT_MILLIS);
        up.setTcpNoDelay(true);
      } catch (IOException e) {
        LOG.debug("PomeriumGateway {} cannot reach upstream {}: {}", gateway.port(), target, e.toString());
        write(socket.getOutputStream(), GatewayResponse.unavailable().encode());
        return;
      }
    }
    long responseLimit =
        fault.kind() == Fault.Kind.CLOSE_AFTER_RESPONSE_BYTES ? fault.amount() : Long.MAX_VALUE;
    long requestLimit =
        fault.kind() == Fault.Kind.CLOSE_AFTER_REQUEST_BYTES ? fault.amount() : Long.MAX_VALUE;

    byte[] greeting = new byte[0];
    if (gateway.coalesceUpstreamGreeting && up != null) {
      greeting = readGreeting(up);
      if (greeting.length > responseLimit) {
        greeting = Arrays.copyOf(greeting, (int) responseLimit);
      }
    }
    byte[] head = response.encode();
    byte[] first = Arrays.copyOf(head, head.length + greeting.length);
    System.arraycopy(greeting, 0, first, head.length, greeting.length);
    // One write call, so the greeting travels in the same TLS record as the 200.
    write(socket.getOutputStream(), first);
    if (up == null) {
      return;
    }
    if (responseLimit != Long.MAX_VALUE) {
      responseLimit -= greeting.length;
    }
    splice(socket, up, responseLimit, requestLimit);
  }

  private static byte[] readGreeting(Socket up) throws IOException {
    up.setSoTimeout(GREETING_WAIT_MILLIS);
    byte[] buffer = new byte[16 * 1024];
    try {
      int n = up.getInputStream().read(buffer);
      return n <= 0 ? new byte[0] : Arrays.copyOf(buffer, n);
    } catch (SocketTimeoutException e) {
      return new byte[0];
    }
  }

  private void splice(SSLSocket client, Socket up, long responseLimit, long requestLimit)
      throws IOException {
    raw.setSoTimeout(gateway.spliceReadTimeoutMillis);
    up.setSoTimeout(gateway.spliceReadTimeoutMillis);
    InputStream clientIn = client.getInputStream();
    OutputStream clientOut = client.getOutputStream();
    InputStream upIn = up.getInputStream();
    OutputStream upOut = up.getOutputStream();
    Thread downstream =
        gateway.acceptor.workers().start(
            "pomerium-gateway-splice-" + gateway.port() + "-" + id,
            () -> {
              try {
                pump(upIn, clientOut, responseLimit);
              } catch (IOException e) {
                LOG.trace("connection {}: upstream->client ended: {}", id, e.toString());
              } finally {
                // This thread is the only writer to the client, so it can close TLS gracefully;
                // that also ends the other direction's read.
                IoUtil.closeQuietly(up);
                IoUtil.closeQuietly(client);
              }
            });
    try {
      pump(clientIn, upOut, requestLimit);
    } catch (IOException e) {
      LOG.trace("connection {}: client->upstream ended: {}", id, e.toString());
    } finally {
      // No half-close: closing the upstream ends the other direction too.
      IoUtil.closeQuietly(up);
      try {
        TimeUnit.NANOSECONDS.timedJoin(downstream, PUMP_JOIN_WAIT.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (downstream.isAlive()) {
        IoUtil.closeQuietly(raw); // the writer is stuck on a client that does not read
      }
    }
  }

  /** Copies until EOF, an error, idle expiry, or {@code limit} bytes. */
  private void pump(InputStream in, OutputStream out, long limit) throws IOException {
    byte[] buffer = new byte[16 * 1024];
    long remaining = limit;
    while (remaining > 0) {
      int n;
      try {
        n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
      } catch (SocketTimeoutException e) {
        if (System.nanoTime() - lastActivity > gateway.idleTimeoutNanos) {
          LOG.debug("PomeriumGateway {} connection {} idle, closing", gateway.port(), id);
          return;
        }
        continue;
      }
      if (n < 0) {
        return;
      }
      if (blackholed) {
        continue; // dropped: the peer sees a link that went silent, not a closed one
      }
      out.write(buffer, 0, n);
      out.flush();
      remaining -= n;
      lastActivity = System.nanoTime();
    }
  }

  /** Reads and discards until the peer leaves, the gateway closes, or the hold limit passes. */
  private void holdOpen(InputStream in) throws IOException {
    raw.setSoTimeout(SPLICE_READ_TIMEOUT_MILLIS);
    long deadline = System.nanoTime() + FAULT_HOLD_LIMIT_NANOS;
    byte[] discard = new byte[4096];
    while (System.nanoTime() - deadline < 0) {
      try {
        if (in.read(discard) < 0) {
          return;
        }
      } catch (SocketTimeoutException e) {
        // Keep holding until the deadline.
      }
    }
  }

  private static void writeOversizedHeader(OutputStream out, int lineLength) throws IOException {
    out.write("HTTP/1.1 200 OK\r\n".getBytes(ISO_8859_1));
    String name = "X-Oversized: ";
    out.write(name.getBytes(ISO_8859_1));
    byte[] filler = new byte[8192];
    Arrays.fill(filler, (byte) 'a');
    int left = lineLength - name.length();
    while (left > 0) {
      int n = Math.min(left, filler.length);
      out.write(filler, 0, n);
      left -= n;
    }
    out.write("\r\n\r\n".getBytes(ISO_8859_1));
    out.flush();
  }

  private void writeEndlessHeaders(OutputStream out) throws IOException {
    write(out, "HTTP/1.1 200 OK\r\n".getBytes(ISO_8859_1));
    long deadline = System.nanoTime() + FAULT_HOLD_LIMIT_NANOS;
    for (int i = 0; System.nanoTime() - deadline < 0; i++) {
      write(out, ("X-Still-Coming: " + i + "\r\n").getBytes(ISO_8859_1));
      try {
        if (gateway.awaitClosed(HEADERS_NEVER_END_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void write(OutputStream out, byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }
}
