package dev.jgitpomerium.transport.internal.proxy;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import javax.net.SocketFactory;

/**
 * Sockets that reach {@code host:port} as the tunnel does: {@link ForwardProxies#choose} decides, {@link
 * ProxyChoice#connect} dials. For the sign-in HTTP client (OkHttp), whose own proxy support has no SOCKS5 with
 * credentials, no {@code socks5h} and no HTTPS proxies: it is given these sockets, {@code Proxy.NO_PROXY}, and a DNS
 * that leaves names unresolved ({@link #unresolved}), so that the name reaches {@link Socket#connect} and is
 * resolved where the choice says: here for a direct connection, at the proxy otherwise.
 */
public final class ProxySocketFactory extends SocketFactory {
  private final ForwardProxies proxies;
  private final Duration responseTimeout;

  public ProxySocketFactory(ForwardProxies proxies, Duration responseTimeout) {
    this.proxies = proxies;
    this.responseTimeout = responseTimeout;
  }

  /**
   * A placeholder address that carries {@code host} to {@link Socket#connect} without a lookup (its bytes are never
   * used): what the client's DNS answers.
   */
  public static InetAddress unresolved(String host) throws java.net.UnknownHostException {
    return InetAddress.getByAddress(host, new byte[4]);
  }

  @Override
  public Socket createSocket() {
    return new ChosenSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(InetSocketAddress.createUnresolved(host, port));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return createSocket(host, port);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return createSocket(host.getHostAddress(), port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return createSocket(address, port);
  }

  /** A socket that becomes the chosen way's socket at connect; before that it only keeps the options set on it. */
  private final class ChosenSocket extends Socket {
    private volatile Socket delegate;
    private volatile boolean closed;
    private int soTimeout;

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
      connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      if (!(endpoint instanceof InetSocketAddress address)) {
        throw new IllegalArgumentException("unsupported address " + endpoint);
      }
      if (closed) {
        throw new SocketException("Socket is closed");
      }
      PomeriumEndpoint target = PomeriumEndpoint.of(address.getHostString(), address.getPort());
      Duration connectTimeout = timeout > 0 ? Duration.ofMillis(timeout) : Duration.ofSeconds(10);
      // Any host the HTTP client asks for (Pomerium, or a CI token endpoint): the log names it, not as Pomerium.
      Socket s = proxies.choose(target, target.authority()).connect(target, connectTimeout, responseTimeout);
      s.setSoTimeout(soTimeout);
      delegate = s;
      if (closed) {
        s.close();
      }
    }

    private Socket connected() throws SocketException {
      Socket s = delegate;
      if (s == null) {
        throw new SocketException("Socket is not connected");
      }
      return s;
    }

    @Override
    public InputStream getInputStream() throws IOException {
      return connected().getInputStream();
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
      return connected().getOutputStream();
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws SocketException {
      soTimeout = timeout;
      if (delegate != null) {
        delegate.setSoTimeout(timeout);
      }
    }

    @Override
    public synchronized int getSoTimeout() {
      return soTimeout;
    }

    @Override
    public void setTcpNoDelay(boolean on) {
      // ProxyChoice sets TCP_NODELAY on every socket it makes
    }

    @Override
    public boolean getTcpNoDelay() {
      return true;
    }

    @Override
    public void setKeepAlive(boolean on) {
      // ProxyChoice sets keepalive on every socket it makes
    }

    @Override
    public boolean isConnected() {
      return delegate != null && delegate.isConnected();
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public boolean isInputShutdown() {
      Socket s = delegate;
      return s != null && s.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
      Socket s = delegate;
      return s != null && s.isOutputShutdown();
    }

    @Override
    public void shutdownInput() throws IOException {
      connected().shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
      connected().shutdownOutput();
    }

    @Override
    public InetAddress getInetAddress() {
      Socket s = delegate;
      return s == null ? null : s.getInetAddress();
    }

    @Override
    public int getPort() {
      Socket s = delegate;
      return s == null ? 0 : s.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
      Socket s = delegate;
      return s == null ? null : s.getRemoteSocketAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
      Socket s = delegate;
      return s == null ? InetAddress.getLoopbackAddress() : s.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
      Socket s = delegate;
      return s == null ? -1 : s.getLocalPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
      Socket s = delegate;
      return s == null ? null : s.getLocalSocketAddress();
    }

    @Override
    public synchronized void close() throws IOException {
      closed = true;
      Socket s = delegate;
      if (s != null) {
        s.close();
      }
    }

    @Override
    public String toString() {
      Socket s = delegate;
      return "ChosenSocket[" + (s == null ? "unconnected" : s.toString()) + "]";
    }
  }
}
