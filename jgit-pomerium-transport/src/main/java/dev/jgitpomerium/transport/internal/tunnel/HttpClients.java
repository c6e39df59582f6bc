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

  /** Ends the client's idle connections and threads (its task runner threads are shared and time out alone). */
  public static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
