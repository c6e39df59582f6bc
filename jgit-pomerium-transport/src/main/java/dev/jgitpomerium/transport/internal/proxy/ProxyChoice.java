package dev.jgitpomerium.transport.internal.proxy;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.internal.relay.Sockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * How one Pomerium endpoint is reached: directly or through a {@link ProxyUrl}, and why (the setting that chose the
 * proxy, or the {@code NO_PROXY} entry that bypassed it). {@link #connect} opens the byte stream to Pomerium's {@code
 * host:port}; Pomerium's own TLS (SNI, the certificate check for Pomerium's name) then runs over it.
 */
public final class ProxyChoice {
  private final ProxyUrl proxy;
  private final String source;
  private final String reason;
  private final ProxyTls tls;
  private final String bypass;

  private ProxyChoice(ProxyUrl proxy, String source, String reason, ProxyTls tls, String bypass) {
    this.proxy = proxy;
    this.source = source;
    this.reason = reason;
    this.tls = tls;
    this.bypass = bypass;
  }

  /** No proxy, for {@code reason} ("no proxy is configured", "NO_PROXY entry '.corp.example.com'"...). */
  public static ProxyChoice direct(String reason) {
    return new ProxyChoice(null, null, reason, null, null);
  }

  /**
   * No proxy although one is configured: {@code bypass} says which setting left it out ("NO_PROXY entry
   * '.example.com' matches; HTTPS_PROXY not used"), for the message when the direct connection fails.
   */
  static ProxyChoice bypassed(String reason, String bypass) {
    return new ProxyChoice(null, null, reason, null, bypass);
  }

  /** Why a configured proxy was not used for this direct connection, or null when none applied. */
  public String bypass() {
    return bypass;
  }

  /** Through {@code proxy}, which {@code source} (a setting's name: "HTTPS_PROXY", "https.proxyHost"...) chose. */
  public static ProxyChoice through(ProxyUrl proxy, String source, ProxyTls tls) {
    return new ProxyChoice(proxy, source, "from " + source, tls, null);
  }

  /** The proxy, or empty for a direct connection. */
  public Optional<ProxyUrl> proxy() {
    return Optional.ofNullable(proxy);
  }

  /** The setting that chose the proxy ("HTTPS_PROXY", "--forward-proxy"...), or null when direct. */
  public String source() {
    return source;
  }

  /** Why: "from HTTPS_PROXY", "NO_PROXY entry '.corp.example.com'", "no proxy is configured". */
  public String reason() {
    return reason;
  }

  public boolean isDirect() {
    return proxy == null;
  }

  /**
   * A connected socket whose stream reaches {@code endpoint}: a plain TCP connection when direct, else the proxy's
   * tunnel (the proxy's TLS socket for an {@code https://} proxy). No read timeout is left on it.
   *
   * @param connectTimeout bounds the TCP connect (to Pomerium, or to the proxy)
   * @param responseTimeout bounds the whole exchange with the proxy (TLS to it, CONNECT or SOCKS5)
   * @throws ProxyException if the proxy could not be reached or did not open the way
   * @throws IOException a direct connection's failure, as {@link Socket#connect} reports it
   */
  public Socket connect(PomeriumEndpoint endpoint, Duration connectTimeout, Duration responseTimeout)
      throws IOException {
    Socket raw = new Socket();
    boolean keep = false;
    try {
      raw.setTcpNoDelay(true);
      Sockets.keepAlive(raw);
      if (proxy == null) {
        raw.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), millis(connectTimeout));
        keep = true;
        return raw;
      }
      try {
        raw.connect(new InetSocketAddress(proxy.host(), proxy.port()), millis(connectTimeout));
      } catch (UnknownHostException e) {
        throw failure("cannot reach the proxy " + proxy.address() + " (" + reason + "): unknown host " + proxy.host(),
            "check the proxy's address in " + source, e);
      } catch (SocketTimeoutException e) {
        throw failure("cannot reach the proxy " + proxy.address() + " (" + reason + "): no answer within the connect"
            + " timeout (" + seconds(connectTimeout) + ")", "check the proxy's address in " + source, e);
      } catch (IOException e) {
        throw failure("cannot reach the proxy " + proxy.address() + " (" + reason + "): " + e.getMessage(),
            "check the proxy's address in " + source, e);
      }
      long deadline = System.nanoTime() + responseTimeout.toNanos();
      Socket stream = raw;
      if (proxy.scheme() == ProxyUrl.Scheme.HTTPS) {
        stream = tlsToProxy(raw, responseTimeout);
      }
      Socket tunnel = switch (proxy.scheme()) {
        case HTTP, HTTPS -> HttpConnect.open(stream, this, endpoint, deadline, responseTimeout);
        case SOCKS5, SOCKS5H -> Socks5.open(stream, this, endpoint, deadline, responseTimeout);
      };
      tunnel.setSoTimeout(0);
      keep = true;
      return tunnel;
    } finally {
      if (!keep) {
        Sockets.closeQuietly(raw);
      }
    }
  }

  private SSLSocket tlsToProxy(Socket raw, Duration responseTimeout) throws ProxyException {
    SSLSocket s;
    try {
      raw.setSoTimeout(millis(responseTimeout));
      SSLSocketFactory factory = tls.socketFactory().get();
      s = (SSLSocket) factory.createSocket(raw, proxy.host(), proxy.port(), true);
      SSLParameters params = s.getSSLParameters();
      if (tls.verify()) {
        // The proxy's certificate must name the proxy: the host of its URL.
        params.setEndpointIdentificationAlgorithm("HTTPS");
      }
      s.setSSLParameters(params);
      s.startHandshake();
      return s;
    } catch (SocketTimeoutException e) {
      throw failure("the HTTPS proxy " + proxy.address() + " (" + reason + ") did not complete the TLS handshake"
          + " within the response timeout (" + seconds(responseTimeout) + ")", null, e);
    } catch (IOException e) {
      if (e instanceof javax.net.ssl.SSLException && String.valueOf(e.getMessage())
          .contains("Unsupported or unrecognized SSL message")) {
        // The JDK's words for an answer that is no TLS record: a plain HTTP proxy behind an https:// URL.
        throw failure("the proxy at " + proxy.address() + " (" + reason + ") does not speak TLS",
            "write http:// instead of https:// in " + source, e);
      }
      throw failure("TLS handshake with the HTTPS proxy " + proxy.address() + " (" + reason + ") failed: "
          + e.getMessage(), "if the proxy's certificate comes from a private CA, add that CA (addCaCertificates, or"
          + " jgit.pomerium.caFile); check that " + source + " names the proxy as its certificate does", e);
    }
  }

  /**
   * What to do when the proxy asks for credentials that were not given: never to put a password where process
   * listings show it (a flag, a system property), but in the environment. {@code JGIT_POMERIUM_FORWARD_PROXY} takes
   * precedence over the JVM's settings, {@code HTTPS_PROXY} and a ProxyCommand's {@code --forward-proxy}; the command
   * line's flag and the system property take precedence over it, so those are to be left out.
   */
  String credentialsHint() {
    String url = "(" + proxy.scheme().name + "://user:password@" + proxy.address() + ")";
    String variable = ForwardProxies.ENVIRONMENT_VARIABLE;
    if (source.equals("forwardProxy") || source.equals(variable) || ForwardProxies.isEnvironmentVariable(source)) {
      return "give the proxy's user name and password in " + source + " " + url;
    }
    if (source.startsWith("jgit.pomerium.forwardProxy")) {
      return "give the proxy's user name and password in the environment variable " + variable + " " + url
          + ", not in the system property jgit.pomerium.forwardProxy (which takes precedence over it and shows in"
          + " process listings)";
    }
    if (source.startsWith("--")) {
      return "give the proxy's user name and password in the environment variable " + variable + " " + url
          + " instead of " + source + " (which takes precedence over it and shows in process listings)";
    }
    return "give the proxy's user name and password in the environment variable " + variable + " " + url
        + ", which takes precedence";
  }

  ProxyException failure(String what, String hint, Throwable cause) {
    return failure(ProxyException.NO_STATUS, what, hint, cause);
  }

  ProxyException failure(int status, String what, String hint, Throwable cause) {
    return new ProxyException(proxy == null ? null : proxy.address(), status, what, hint, cause);
  }

  ProxyUrl url() {
    return proxy;
  }

  static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** "through the proxy http://***@proxy:3128 (from HTTPS_PROXY)" or "directly (NO_PROXY entry 'x')". */
  @Override
  public String toString() {
    return proxy == null ? "directly (" + reason + ")" : "through the proxy " + proxy + " (" + reason + ")";
  }

  /** How to speak TLS to an {@code https://} proxy: the trust of the factory, and whether to check the name. */
  public record ProxyTls(Supplier<SSLSocketFactory> socketFactory, boolean verify) {}
}
