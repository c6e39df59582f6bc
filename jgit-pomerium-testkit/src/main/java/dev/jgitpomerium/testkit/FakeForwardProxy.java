package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.IoUtil;
import dev.jgitpomerium.testkit.internal.Tls;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import okhttp3.tls.HeldCertificate;

/**
 * A small forward proxy on 127.0.0.1 for in-JVM tests: HTTP {@code CONNECT} (over TLS too, with a certificate for
 * {@code localhost} from a CA of its own) or SOCKS5, with optional Basic / RFC 1929 credentials. Names resolve only
 * here, through the table it is given ({@code pomerium.corp.example.com:443 -> 127.0.0.1:port}), as a corporate proxy
 * resolves names its clients cannot; a target outside the table is answered with 502 (HTTP) or SOCKS5 reply 4.
 * {@link #requests()} records what each client asked for (the target as sent, the SOCKS5 address type, the user),
 * never a password. The real proxies ({@link SquidProxy}, {@link Socks5Proxy}) cannot be made to misbehave on demand;
 * this one can.
 */
public final class FakeForwardProxy implements AutoCloseable {
  /** The protocol spoken. */
  public enum Kind { HTTP, HTTPS, SOCKS5 }

  /** One request: the target as the client sent it, its address type (SOCKS5: 1, 3 or 4; HTTP: 0), its user. */
  public record Request(String target, int addressType, String user, boolean authorized) {}

  private final Kind kind;
  private final Map<String, InetSocketAddress> hosts;
  private final ServerSocket server;
  private final HeldCertificate ca;
  private final SSLContext tls;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private volatile String user;
  private volatile String password;
  private volatile int refuseWith;
  private volatile int socksReply;
  private volatile boolean silent;
  private volatile boolean noBasic;
  private volatile List<String> challenges = List.of("Basic realm=\"corp\"");

  private FakeForwardProxy(Kind kind, Map<String, InetSocketAddress> hosts) throws IOException {
    this.kind = kind;
    this.hosts = Map.copyOf(hosts);
    if (kind == Kind.HTTPS) {
      ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("FakeForwardProxy CA")
          .serialNumber(Tls.randomSerial()).build();
      HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost").addSubjectAlternativeName(
          "localhost").serialNumber(Tls.randomSerial()).signedBy(ca).build();
      tls = Tls.context(leaf.keyPair().getPrivate(), new java.security.cert.X509Certificate[] {leaf.certificate(),
          ca.certificate()}, null);
    } else {
      ca = null;
      tls = null;
    }
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "fake-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    threads.add(acceptor);
    acceptor.start();
  }

  /** Starts a proxy of {@code kind} that knows the targets in {@code hosts} ({@code "name:port"} to an address). */
  public static FakeForwardProxy start(Kind kind, Map<String, InetSocketAddress> hosts) throws IOException {
    return new FakeForwardProxy(kind, hosts);
  }

  /** Requires these credentials: Basic {@code Proxy-Authorization} (else 407), or RFC 1929 (else failure). */
  public FakeForwardProxy requireCredentials(String user, String password) {
    this.user = Objects.requireNonNull(user);
    this.password = Objects.requireNonNull(password);
    return this;
  }

  /**
   * Answers every HTTP {@code CONNECT} with 407 offering only these {@code Proxy-Authenticate} challenges ({@code
   * "NTLM"}, {@code "Negotiate"}...), as a proxy that takes no Basic credentials does.
   */
  public FakeForwardProxy requireAuthentication(String... challenges) {
    this.challenges = List.of(challenges);
    this.noBasic = true;
    return this;
  }

  /** Answers every HTTP {@code CONNECT} with this status (0: open the tunnel). */
  public FakeForwardProxy refuseWith(int status) {
    this.refuseWith = status;
    return this;
  }

  /** Answers every SOCKS5 request with this reply code (0: open the tunnel). */
  public FakeForwardProxy socksReply(int code) {
    this.socksReply = code;
    return this;
  }

  /** Reads each request and never answers it (until the client gives up or {@link #close()}). */
  public FakeForwardProxy silent() {
    this.silent = true;
    return this;
  }

  /** {@code scheme://127.0.0.1:port} (for HTTPS {@code https://localhost:port}, the name its certificate has). */
  public String url(String scheme) {
    return scheme + "://" + (kind == Kind.HTTPS ? "localhost" : "127.0.0.1") + ":" + server.getLocalPort();
  }

  /** The port it listens on (127.0.0.1). */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code host:port} of the listening socket. */
  public String authority() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** The PEM of the CA that signed an HTTPS proxy's certificate. */
  public String caCertificatePem() {
    return ca.certificatePem();
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      sockets.add(s);
      Thread t = new Thread(() -> serve(s), "fake-proxy-" + server.getLocalPort() + "-conn");
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void serve(Socket accepted) {
    Socket s = accepted;
    try {
      s.setSoTimeout(10_000);
      if (kind == Kind.HTTPS) {
        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(accepted, null, accepted.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.startHandshake();
        s = ssl;
        sockets.add(s);
      }
      Socket upstream = kind == Kind.SOCKS5 ? socks(s) : connect(s);
      if (upstream != null) {
        s.setSoTimeout(0);
        splice(s, upstream);
      }
    } catch (IOException | RuntimeException e) {
      // the client went away or spoke nonsense: the test sees the client's view
    } finally {
      IoUtil.closeQuietly(s);
    }
  }

  private Socket connect(Socket s) throws IOException {
    java.io.PushbackInputStream in = new java.io.PushbackInputStream(s.getInputStream(), 1);
    int first = in.read();
    if (first < 'A' || first > 'Z') {
      // Not HTTP (a TLS ClientHello starts with 0x16): answered at once as squid answers it.
      s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      return null;
    }
    in.unread(first);
    String head = IoUtil.readHead(in, 16 * 1024);
    String[] lines = head.split("\r\n");
    String[] requestLine = lines[0].split(" ");
    String target = requestLine.length > 1 ? requestLine[1] : "";
    String authorization = null;
    for (String line : lines) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("proxy-authorization:")) {
        authorization = line.substring(line.indexOf(':') + 1).strip();
      }
    }
    String expected = user == null ? null : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
    boolean authorized = !noBasic && (expected == null || expected.equals(authorization));
    String givenUser = authorization == null ? null : userOf(authorization);
    requests.add(new Request(target, 0, givenUser, authorized));
    if (silent) {
      s.setSoTimeout(0);
      s.getInputStream().read(); // until the client closes
      return null;
    }
    OutputStream out = s.getOutputStream();
    if (!authorized) {
      StringBuilder answer = new StringBuilder("HTTP/1.1 407 Proxy Authentication Required\r\n");
      challenges.forEach(c -> answer.append("Proxy-Authenticate: ").append(c).append("\r\n"));
      out.write(answer.append("Content-Length: 0\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      return null;
    }
    if (refuseWith != 0) {
      out.write(("HTTP/1.1 " + refuseWith + " Refused By Test\r\nContent-Length: 0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return null;
    }
    InetSocketAddress address = hosts.get(target);
    if (address == null || !requestLine[0].equals("CONNECT")) {
      out.write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      return null;
    }
    Socket upstream = new Socket();
    upstream.connect(address, 5_000);
    sockets.add(upstream);
    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return upstream;
  }

  private static String userOf(String authorization) {
    try {
      String decoded = new String(Base64.getDecoder().decode(authorization.substring("Basic ".length())),
          StandardCharsets.UTF_8);
      return decoded.substring(0, decoded.indexOf(':'));
    } catch (RuntimeException e) {
      return "?";
    }
  }

  private Socket socks(Socket s) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    OutputStream out = s.getOutputStream();
    if (in.readUnsignedByte() != 5) {
      return null;
    }
    byte[] methods = in.readNBytes(in.readUnsignedByte());
    int wanted = user == null ? 0 : 2;
    boolean offered = false;
    for (byte m : methods) {
      offered |= m == wanted;
    }
    if (!offered) {
      requests.add(new Request(null, 0, null, false));
      out.write(new byte[] {5, (byte) 0xff});
      return null;
    }
    out.write(new byte[] {5, (byte) wanted});
    String givenUser = null;
    boolean authorized = true;
    if (wanted == 2) {
      in.readUnsignedByte();
      givenUser = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
      String givenPassword = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
      authorized = user.equals(givenUser) && password.equals(givenPassword);
      out.write(new byte[] {1, (byte) (authorized ? 0 : 1)});
      if (!authorized) {
        requests.add(new Request(null, 0, givenUser, false));
        return null;
      }
    }
    in.readUnsignedByte(); // version
    in.readUnsignedByte(); // command: CONNECT
    in.readUnsignedByte();
    int type = in.readUnsignedByte();
    String host = switch (type) {
      case 1 -> InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
      case 4 -> "[" + InetAddress.getByAddress(in.readNBytes(16)).getHostAddress() + "]";
      case 3 -> new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII);
      default -> throw new IOException("address type " + type);
    };
    int port = in.readUnsignedShort();
    String target = host + ":" + port;
    requests.add(new Request(target, type, givenUser, authorized));
    InetSocketAddress address = hosts.get(target);
    int reply = socksReply != 0 ? socksReply : address == null ? 4 : 0;
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    answer.writeBytes(new byte[] {5, (byte) reply, 0, 1, 127, 0, 0, 1, 0, 0});
    if (reply != 0) {
      out.write(answer.toByteArray());
      return null;
    }
    Socket upstream = new Socket();
    upstream.connect(address, 5_000);
    sockets.add(upstream);
    out.write(answer.toByteArray());
    return upstream;
  }

  private void splice(Socket client, Socket upstream) throws IOException {
    Thread back = new Thread(() -> copy(upstream, client), "fake-proxy-" + server.getLocalPort() + "-back");
    back.setDaemon(true);
    threads.add(back);
    back.start();
    copy(client, upstream);
    try {
      back.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void copy(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buf = new byte[16 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      IoUtil.closeQuietly(from);
      IoUtil.closeQuietly(to);
    }
  }

  /** Closes every socket and waits (bounded) for the threads to end. */
  @Override
  public void close() {
    IoUtil.closeQuietly(server);
    for (Socket s : new ArrayList<>(sockets)) {
      IoUtil.closeQuietly(s);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
