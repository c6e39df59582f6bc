package dev.jgitpomerium.transport.internal.relay;

// Just over 400 lines: the grants, the bounds on a local connection's request head and the peer check for other JGit
// factories are one security boundary, read best in one file; the splice is in Splice, the peer lookup in ProcessPeers.

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loopback HTTP proxy that JGit's sshd client is pointed at, handing each connection an already open Pomerium
 * tunnel.
 *
 * <p>JGit's Apache MINA backend can only reach a destination through a plain HTTP or SOCKS proxy; it cannot speak
 * TLS to one or add Pomerium's header. So the tunnel is opened in-process first (token, sign-in and retry happen
 * before JGit's own timers start) and parked here as a <em>grant</em>. JGit then connects with that grant's
 * credentials as Basic proxy authentication.
 *
 * <p>Another local process can connect to the port but cannot use it: a grant is single-use, expires after a few
 * seconds, is bound to one destination, and its 256-bit secret is compared in constant time. Anything else gets 403
 * (never 407, which would make JGit prompt for proxy credentials) and reaches neither Pomerium nor the token.
 */
public final class LoopbackRelay implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(LoopbackRelay.class);
  private static final int MAX_REQUEST_HEAD_BYTES = 8 * 1024;
  /** Bounds the whole request head, however slowly it trickles in. */
  private static final long REQUEST_HEAD_TIMEOUT_NANOS = 10_000_000_000L;
  /** Local connections still sending their head; more are closed at once, so a local flood cannot pile up threads. */
  private static final int MAX_PENDING_CONNECTIONS = 64;
  /** How often expired grants are swept, so a tunnel nobody claimed does not hold a Pomerium connection. */
  private static final int SWEEP_INTERVAL_MILLIS = 1_000;
  private static final String USER = "jgit-pomerium";
  /** A closed splice's thread ends once its sockets are closed; this bounds the wait for its event. */
  private static final long SPLICE_END_WAIT_NANOS = TimeUnit.SECONDS.toNanos(6);

  private final Duration grantTtl;
  private final Supplier<PomeriumEventListener> listener;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();
  private final Set<Splice> splices = ConcurrentHashMap.newKeySet();
  private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
  private final AtomicInteger threadIds = new AtomicInteger();
  private volatile InProcessDialer inProcessDialer;
  private ServerSocket server;
  private SpliceSelector spliceSelector;
  private Thread acceptor;
  private boolean closed;

  public LoopbackRelay(Duration grantTtl, Supplier<PomeriumEventListener> listener) {
    this.grantTtl = grantTtl;
    this.listener = listener;
  }

  /** Opens a tunnel for a CONNECT that came, without a credential, from this very process. */
  @FunctionalInterface
  public interface InProcessDialer {
    Tunnel dial(String host, int port) throws IOException;
  }

  /**
   * Serves CONNECTs that carry no credential but come from a socket of this process (checked in the kernel's tables,
   * Linux only), by dialling {@code dialer} then: for JGit factories that take their proxy from the JVM's
   * ProxySelector, which passes no credential. Other processes are still refused.
   */
  public void acceptInProcessPeers(InProcessDialer dialer) {
    this.inProcessDialer = dialer;
  }

  /** The relay's address, starting it if needed. */
  public InetSocketAddress address() throws IOException {
    ServerSocket s = ensureStarted();
    return new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
  }

  /** Credentials for one connection, to be handed to JGit as {@code ProxyData}. */
  public static final class Credentials {
    private final InetSocketAddress address;
    private final String user;
    private final char[] password;

    Credentials(InetSocketAddress address, String user, char[] password) {
      this.address = address;
      this.user = user;
      this.password = password;
    }

    public InetSocketAddress address() {
      return address;
    }

    public String user() {
      return user;
    }

    /** A fresh copy; JGit clears the array it is given once the proxy handshake is done. */
    public char[] password() {
      return password.clone();
    }
  }

  private static final class Grant {
    final Tunnel tunnel;
    final String target;
    final byte[] secret;
    final long expiresAt;

    Grant(Tunnel tunnel, String target, byte[] secret, long expiresAt) {
      this.tunnel = tunnel;
      this.target = target;
      this.secret = secret;
      this.expiresAt = expiresAt;
    }
  }

  /** Parks {@code tunnel} until one local connection presents the returned credentials for its destination. */
  public Credentials grant(Tunnel tunnel) throws IOException {
    return grant(tunnel, tunnel.route().destination());
  }

  /**
   * Parks {@code tunnel} until one local connection presents the returned credentials and asks for {@code target}
   * ({@code host:port}, as the client will name it in its CONNECT).
   */
  public Credentials grant(Tunnel tunnel, String target) throws IOException {
    ServerSocket s = ensureStarted();
    byte[] idBytes = new byte[16];
    byte[] secretBytes = new byte[32];
    random.nextBytes(idBytes);
    random.nextBytes(secretBytes);
    String id = base64(idBytes);
    String secret = base64(secretBytes);
    grants.put(id, new Grant(tunnel, target, secret.getBytes(StandardCharsets.US_ASCII),
        System.nanoTime() + grantTtl.toNanos()));
    InetSocketAddress address = new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
    return new Credentials(address, USER + "." + id, secret.toCharArray());
  }

  /** Tunnels currently being relayed. */
  public int activeTunnels() {
    return splices.size();
  }

  private synchronized ServerSocket ensureStarted() throws IOException {
    if (closed) {
      throw new IOException("the Pomerium session factory is closed");
    }
    if (server == null) {
      // Through a channel, so that accepted connections have channels the splice selector can watch.
      ServerSocketChannel channel = ServerSocketChannel.open();
      ServerSocket s = channel.socket();
      try {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        s.setSoTimeout(SWEEP_INTERVAL_MILLIS);
        spliceSelector = new SpliceSelector("jgit-pomerium-relay-" + s.getLocalPort() + "-to-pomerium");
      } catch (IOException e) {
        Sockets.closeQuietly(s);
        throw e;
      }
      server = s;
      acceptor = new Thread(() -> acceptLoop(s), "jgit-pomerium-relay-" + s.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
      log.debug("relay listening on {}", s.getLocalSocketAddress());
    }
    return server;
  }

  private void acceptLoop(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        spliceSelector.checkStuck();
        Socket local = s.accept();
        if (handshaking.size() >= MAX_PENDING_CONNECTIONS) {
          Sockets.closeQuietly(local);
          rejected("too many pending local connections");
          continue;
        }
        handshaking.add(local);
        String name = "jgit-pomerium-relay-conn-" + threadIds.incrementAndGet();
        // Reads the request head, then stays as the tunnel's one thread (Splice.run).
        Thread handler = new Thread(() -> handle(local), name);
        handler.setDaemon(true);
        handler.start();
      } catch (SocketTimeoutException e) {
        sweepExpired();
        spliceSelector.checkStuck();
      } catch (IOException e) {
        if (!s.isClosed()) {
          log.warn("relay accept failed", e);
        }
      }
    }
  }

  private void sweepExpired() {
    long now = System.nanoTime();
    grants.entrySet().removeIf(entry -> {
      if (now - entry.getValue().expiresAt > 0) {
        log.debug("closing unclaimed tunnel {}", entry.getValue().tunnel);
        entry.getValue().tunnel.close();
        return true;
      }
      return false;
    });
  }

  private void handle(Socket local) {
    Grant grant;
    try {
      local.setTcpNoDelay(true);
      long deadline = System.nanoTime() + REQUEST_HEAD_TIMEOUT_NANOS;
      byte[] head = HeadReader.read(local.getInputStream(), MAX_REQUEST_HEAD_BYTES,
          () -> local.setSoTimeout(HeadReader.remainingMillis(deadline)));
      Claim claim = claim(new String(head, StandardCharsets.ISO_8859_1), local);
      if (claim.grant() == null) {
        reject(local, claim.refusal());
        return;
      }
      grant = claim.grant();
      local.setSoTimeout(0);
      OutputStream out = local.getOutputStream();
      out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      log.debug("relay connection from {} failed before the tunnel started: {}", local.getRemoteSocketAddress(),
          e.toString());
      Sockets.closeQuietly(local);
      return;
    } finally {
      handshaking.remove(local);
    }
    Splice splice = new Splice(local, grant.tunnel, listener.get(), spliceSelector);
    if (!track(splice)) {
      splice.close();
      return;
    }
    try {
      splice.run();
    } finally {
      untrack(splice);
    }
  }

  private synchronized void untrack(Splice splice) {
    splices.remove(splice);
    notifyAll();
  }

  /**
   * Waits (bounded) until every closed splice has finished, so that their {@code tunnelClosed} events come before
   * {@link #close()} returns, not after.
   */
  private synchronized void awaitSplicesEnded() {
    long deadline = System.nanoTime() + SPLICE_END_WAIT_NANOS;
    try {
      while (!splices.isEmpty()) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          log.debug("relay closed with {} tunnel(s) still ending", splices.size());
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Registers a running splice, unless the relay closed meanwhile (then it must not start). */
  private synchronized boolean track(Splice splice) {
    if (closed) {
      return false;
    }
    splices.add(splice);
    return true;
  }

  /** A claimed grant, or why the request was refused. */
  private record Claim(Grant grant, String refusal) {}

  /** Dials for a credential-less CONNECT from this process; a failure is answered 502 with its reason. */
  private Claim dialInProcess(InProcessDialer dialer, String target) {
    int colon = target.lastIndexOf(':');
    try {
      String host = target.substring(0, colon).replace("[", "").replace("]", "");
      int port = Integer.parseInt(target.substring(colon + 1));
      return new Claim(new Grant(dialer.dial(host, port), target, new byte[0], Long.MAX_VALUE), null);
    } catch (IOException | RuntimeException e) {
      // Our own message, with what to do at its end: kept whole (one line, bounded), as JGit shows it to the user.
      return new Claim(null, "502:" + HeadReader.printable(String.valueOf(e.getMessage()), 2000));
    }
  }

  /** Consumes and returns the grant the request proves it holds; otherwise says why not (and logs it). */
  private Claim claim(String head, Socket local) {
    String[] lines = head.split("\r?\n", -1);
    String[] requestLine = lines[0].split(" ");
    if (requestLine.length != 3 || !requestLine[0].equals("CONNECT")) {
      return rejected("not a CONNECT request");
    }
    String credentials = null;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("Proxy-Authorization")) {
        credentials = lines[i].substring(colon + 1).trim();
      }
    }
    if (credentials == null) {
      InProcessDialer dialer = inProcessDialer;
      if (dialer != null && ProcessPeers.isThisProcess(local)) {
        return dialInProcess(dialer, normalize(requestLine[1]));
      }
      return rejected("no credentials");
    }
    if (!credentials.regionMatches(true, 0, "Basic ", 0, 6)) {
      return rejected("no credentials");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(credentials.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return rejected("malformed credentials");
    }
    int colon = decoded.indexOf(':');
    String user = colon < 0 ? decoded : decoded.substring(0, colon);
    byte[] secret = (colon < 0 ? "" : decoded.substring(colon + 1)).getBytes(StandardCharsets.US_ASCII);
    if (!user.startsWith(USER + ".")) {
      return rejected("unknown credentials");
    }
    // Removing on any presentation makes every grant single-use, even when the secret is wrong.
    Grant grant = grants.remove(user.substring(USER.length() + 1));
    if (grant == null) {
      return rejected("unknown, used or expired credentials");
    }
    if (!MessageDigest.isEqual(grant.secret, secret)) {
      grant.tunnel.close();
      return rejected("wrong secret");
    }
    if (System.nanoTime() - grant.expiresAt > 0) {
      grant.tunnel.close();
      return rejected("expired credentials");
    }
    String target = normalize(requestLine[1]);
    if (!target.equals(normalize(grant.target))) {
      grant.tunnel.close();
      return rejected("credentials are for another destination");
    }
    return new Claim(grant, null);
  }

  private static String normalize(String authority) {
    return authority.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
  }

  private Claim rejected(String reason) {
    log.warn("rejected a local connection to the jgit-pomerium relay: {}", reason);
    Events.safely(() -> listener.get().relayConnectionRejected(reason));
    return new Claim(null, reason);
  }

  /**
   * Answers 403, never 407 (which would make JGit prompt for proxy credentials), or 502 when an in-process dial
   * failed; JGit shows the reason phrase in its error.
   */
  private static void reject(Socket local, String reason) {
    try {
      OutputStream out = local.getOutputStream();
      String status = reason.startsWith("502:") ? "502 Bad Gateway: " + reason.substring(4)
          : "403 Forbidden by the jgit-pomerium relay: " + reason;
      out.write(("HTTP/1.1 " + status
          + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException ignored) {
      // The peer went away; nothing to tell it.
    } finally {
      Sockets.closeQuietly(local);
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Stops listening and ends every tunnel, parked or running. */
  @Override
  public void close() {
    Thread a;
    SpliceSelector selector;
    synchronized (this) {
      closed = true;
      Sockets.closeQuietly(server);
      a = acceptor;
      selector = spliceSelector;
    }
    grants.values().forEach(g -> g.tunnel.close());
    grants.clear();
    handshaking.forEach(Sockets::closeQuietly);
    splices.forEach(Splice::close);
    awaitSplicesEnded();
    if (selector != null) {
      selector.close();
    }
    if (a != null) {
      try {
        a.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
