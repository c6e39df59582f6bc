package dev.jgitpomerium.transport.internal.tunnel;

import dev.jgitpomerium.transport.internal.proxy.ForwardProxies;
import dev.jgitpomerium.transport.internal.proxy.ProxySocketFactory;
import java.net.Proxy;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * The OkHttp client for Pomerium's HTTP endpoints (the login API): 10 s per call, redirects followed, the tunnel's TLS
 * trust and client certificate, and the tunnel's way out: every connection is dialed by {@link ForwardProxies}'
 * choice (the explicit forward proxy, the JVM's {@code ProxySelector}, {@code HTTPS_PROXY}/{@code NO_PROXY}), so
 * that the sign-in request and the tunnel never disagree. OkHttp's own proxy support is not used: it has no HTTPS
 * proxies, no {@code socks5h} and no SOCKS5 credentials but through the JVM-wide {@code Authenticator}.
 */
public final class HttpClients {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private HttpClients() {}

  public static OkHttpClient create(TlsSetup tls, ForwardProxies proxies, Duration responseTimeout) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .callTimeout(CALL_TIMEOUT)
        .followRedirects(true)
        .followSslRedirects(true)
        .proxy(Proxy.NO_PROXY)
        .socketFactory(new ProxySocketFactory(proxies, responseTimeout))
        // Names stay unresolved until the socket's connect: the proxy may be the only one who can resolve them.
        .dns(host -> List.of(ProxySocketFactory.unresolved(host)))
        .sslSocketFactory(tls.socketFactory(), tls.trustManager());
    if (tls.verificationDisabled()) {
      builder.hostnameVerifier((host, session) -> true);
    }
    return builder.build();
  }

  /**
   * {@code base} (its proxies, timeouts, pool) with certificate and host-name verification on, trusting the JVM's CAs
   * plus {@code extraCas}: for requests that carry a credential of their own to a server other than Pomerium (a CI
   * token endpoint), which {@code disableTlsVerification} for Pomerium must not expose.
   */
  public static OkHttpClient verifying(OkHttpClient base, List<java.security.cert.X509Certificate> extraCas) {
    TlsSetup tls;
    try {
      tls = TlsSetup.create(extraCas, null, false);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
    }
    return base.newBuilder()
        .sslSocketFactory(tls.socketFactory(), tls.trustManager())
        .hostnameVerifier(new OkHttpClient.Builder().build().hostnameVerifier()) // OkHttp's own default
        .build();
  }

  /** Ends the client's idle connections and threads (its task runner threads are shared and time out alone). */
  public static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
