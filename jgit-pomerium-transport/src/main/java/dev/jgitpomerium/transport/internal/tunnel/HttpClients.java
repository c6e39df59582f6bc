package dev.jgitpomerium.transport.internal.tunnel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;

/**
 * The OkHttp client for Pomerium's HTTP endpoints (the login API): 10 s per call, redirects followed, the tunnel's TLS
 * trust and client certificate, and the usual proxy settings: the JVM's ({@code https.proxyHost}, a {@code
 * ProxySelector}), else {@code HTTPS_PROXY}/{@code NO_PROXY} as Go's pomerium-cli honours them.
 */
public final class HttpClients {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private HttpClients() {}

  public static OkHttpClient create(TlsSetup tls, UnaryOperator<String> environment) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .callTimeout(CALL_TIMEOUT)
        .followRedirects(true)
        .followSslRedirects(true)
        .proxySelector(new EnvironmentProxySelector(ProxySelector.getDefault(), environment))
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

  /** The JVM's proxy choice, or the environment's when the JVM has none configured. */
  static final class EnvironmentProxySelector extends ProxySelector {
    private final ProxySelector jvm;
    private final UnaryOperator<String> environment;

    EnvironmentProxySelector(ProxySelector jvm, UnaryOperator<String> environment) {
      this.jvm = jvm;
      this.environment = environment;
    }

    @Override
    public List<Proxy> select(URI uri) {
      List<Proxy> chosen = jvm == null ? List.of(Proxy.NO_PROXY) : jvm.select(uri);
      if (chosen.stream().anyMatch(p -> p.type() != Proxy.Type.DIRECT)) {
        return chosen;
      }
      Proxy fromEnvironment = fromEnvironment(uri);
      return fromEnvironment == null ? chosen : List.of(fromEnvironment);
    }

    private Proxy fromEnvironment(URI uri) {
      String value = first("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy");
      if (value == null || bypassed(uri.getHost())) {
        return null;
      }
      URI proxy = URI.create(value.contains("://") ? value : "http://" + value);
      if (proxy.getHost() == null) {
        return null;
      }
      int port = proxy.getPort() != -1 ? proxy.getPort() : 80;
      return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port));
    }

    /** {@code NO_PROXY}: comma-separated host suffixes, {@code *} for all. */
    private boolean bypassed(String host) {
      String noProxy = first("NO_PROXY", "no_proxy");
      if (noProxy == null || host == null) {
        return false;
      }
      String h = host.toLowerCase(Locale.ROOT);
      for (String entry : noProxy.split(",")) {
        String e = entry.strip().toLowerCase(Locale.ROOT);
        if (e.equals("*") || !e.isEmpty() && (h.equals(e.replaceFirst("^\\.", ""))
            || h.endsWith(e.startsWith(".") ? e : "." + e))) {
          return true;
        }
      }
      return false;
    }

    private String first(String... names) {
      for (String name : names) {
        String value = environment.apply(name);
        if (value != null && !value.isBlank()) {
          return value.strip();
        }
      }
      return null;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
      if (jvm != null) {
        jvm.connectFailed(uri, address, failure);
      }
    }
  }
}
