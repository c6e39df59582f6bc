package dev.jgitpomerium.transport.internal.tunnel;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.internal.proxy.ProxyChoice;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS to Pomerium as pomerium-cli does it: SNI and certificate host-name verification against the endpoint's host,
 * ALPN {@code http/1.1} only (Pomerium's HTTP/2 listener would not give us a raw stream), TLS 1.2 and 1.3; trust is the
 * JVM's CAs plus any extra CA certificates; an optional client certificate for mTLS.
 */
public final class TlsSetup {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.TLS);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  private static final Pattern IP_LITERAL = Pattern.compile("^[0-9.]+$|:");
  /** Distinct TLS configurations whose contexts are shared between factories. */
  private static final int SHARED_CONTEXTS = 8;
  /**
   * Factories with the same trust and client certificate share one context, so a new factory (a Jenkins job, a build
   * step) resumes the session an earlier one made instead of doing a full handshake and reloading the JVM's CAs.
   */
  private static final Map<String, TlsSetup> SHARED = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, TlsSetup> eldest) {
      return size() > SHARED_CONTEXTS;
    }
  };

  /**
   * JDK 17 links each TLS 1.3 session to the one it resumed, so one context keeps every session of a chain of
   * resumptions: half a KiB per connection, for good. A fresh context every this many handshakes cuts the chain loose
   * for the cost of one full handshake.
   */
  public static final int HANDSHAKES_PER_CONTEXT = 256;

  private final KeyManager[] keyManagers;
  private final ClientCertificateRequest.Recorder recorder;
  private final X509TrustManager trustManager;
  private final AtomicInteger handshakes = new AtomicInteger();
  private volatile SSLSocketFactory socketFactory;
  private final boolean verificationDisabled;

  private TlsSetup(KeyManager[] keyManagers, X509TrustManager trustManager, boolean verificationDisabled)
      throws GeneralSecurityException {
    // Even with no identity of its own, a key manager tells whether Pomerium asked for one.
    X509KeyManager configured = keyManagers == null ? null : Arrays.stream(keyManagers)
        .filter(X509KeyManager.class::isInstance).map(X509KeyManager.class::cast).findFirst().orElse(null);
    this.recorder = new ClientCertificateRequest.Recorder(configured);
    this.keyManagers = keyManagers != null && configured == null ? keyManagers : new KeyManager[] {recorder};
    this.trustManager = trustManager;
    this.socketFactory = newSocketFactory();
    this.verificationDisabled = verificationDisabled;
  }

  /**
   * @param extraCaCertificates trusted in addition to the JVM's CAs (never instead of them)
   * @param client presented when the server asks; null for none
   * @param disableVerification trust any certificate and skip the host-name check: only for explicit user request
   */
  public static TlsSetup create(List<X509Certificate> extraCaCertificates, ClientIdentity client,
      boolean disableVerification) throws GeneralSecurityException {
    String key = configurationKey(extraCaCertificates, client, disableVerification);
    synchronized (SHARED) {
      TlsSetup shared = SHARED.get(key);
      if (shared != null) {
        return shared;
      }
    }
    X509TrustManager trust = disableVerification ? new TrustEverything() : trustManager(extraCaCertificates);
    KeyManager[] keys = client == null ? null : client.keyManagers();
    TlsSetup created = new TlsSetup(keys, trust, disableVerification);
    synchronized (SHARED) {
      return SHARED.computeIfAbsent(key, k -> created);
    }
  }

  /** A digest of everything that decides whom the context trusts and what it presents; no key material is kept. */
  private static String configurationKey(List<X509Certificate> extraCas, ClientIdentity client,
      boolean disableVerification) throws GeneralSecurityException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    digest.update((byte) (disableVerification ? 1 : 0));
    if (!disableVerification) {
      update(digest, jvmTrustStoreIdentity().getBytes(StandardCharsets.UTF_8));
    }
    for (X509Certificate ca : extraCas) {
      update(digest, ca.getEncoded());
    }
    digest.update((byte) '|');
    if (client != null) {
      client.identify(part -> update(digest, part));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * The JVM's trust store as JSSE would load it now: a program may point {@code javax.net.ssl.trustStore} elsewhere,
   * or the file may change, and a context made before must not be reused then.
   */
  private static String jvmTrustStoreIdentity() {
    String configured = System.getProperty("javax.net.ssl.trustStore");
    Path security = Path.of(System.getProperty("java.home"), "lib", "security");
    Path store = configured != null ? Path.of(configured)
        : Files.exists(security.resolve("jssecacerts")) ? security.resolve("jssecacerts") : security.resolve("cacerts");
    long modified;
    try {
      modified = Files.getLastModifiedTime(store).toMillis();
    } catch (IOException | RuntimeException e) {
      modified = -1;
    }
    return String.join("|", String.valueOf(configured), String.valueOf(modified),
        String.valueOf(System.getProperty("javax.net.ssl.trustStoreType")),
        String.valueOf(System.getProperty("javax.net.ssl.trustStoreProvider")),
        String.valueOf(System.getProperty("javax.net.ssl.trustStorePassword")));
  }

  private static void update(MessageDigest digest, byte[] part) {
    digest.update(ByteBuffer.allocate(4).putInt(part.length).array()); // lengths keep the parts apart
    digest.update(part);
  }

  private SSLSocketFactory newSocketFactory() throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers, new TrustManager[] {trustManager}, null);
    return context.getSocketFactory();
  }

  private SSLSocketFactory socketFactoryForHandshake() throws IOException {
    if (handshakes.incrementAndGet() % HANDSHAKES_PER_CONTEXT == 0) {
      try {
        socketFactory = newSocketFactory();
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot renew the TLS context: " + e.getMessage(), e);
      }
    }
    return socketFactory;
  }

  public boolean verificationDisabled() {
    return verificationDisabled;
  }

  /**
   * For TLS to an {@code https://} forward proxy: the same trust as Pomerium's (the JVM's CAs and the extra ones, or
   * none checked when verification is disabled), but no client certificate: that is for Pomerium, not the proxy.
   */
  public ProxyChoice.ProxyTls proxyTls() {
    return new ProxyChoice.ProxyTls(() -> {
      try {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trustManager}, null);
        return context.getSocketFactory();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot set up TLS for the proxy: " + e.getMessage(), e);
      }
    }, !verificationDisabled);
  }

  /** For OkHttp (the sign-in requests): the same trust and client certificate as the tunnel. */
  SSLSocketFactory socketFactory() {
    return socketFactory;
  }

  X509TrustManager trustManager() {
    return trustManager;
  }

  /** Layers TLS over {@code raw} and completes the handshake within the socket's current read timeout. */
  public SSLSocket handshake(Socket raw, PomeriumEndpoint endpoint) throws IOException {
    if (verificationDisabled) {
      log.warn("TLS verification is disabled for Pomerium at {}: anyone on the network path can impersonate it and "
          + "receive your Pomerium token", endpoint);
    }
    SSLSocket tls =
        (SSLSocket) socketFactoryForHandshake().createSocket(raw, endpoint.host(), endpoint.port(), true);
    SSLParameters params = tls.getSSLParameters();
    params.setProtocols(supported(tls.getSupportedProtocols()));
    params.setApplicationProtocols(new String[] {"http/1.1"});
    params.setCipherSuites(aes128GcmFirst(params.getCipherSuites()));
    if (!verificationDisabled) {
      params.setEndpointIdentificationAlgorithm("HTTPS");
    }
    if (!IP_LITERAL.matcher(endpoint.host()).find()) {
      params.setServerNames(List.of(new SNIHostName(endpoint.host())));
    }
    tls.setSSLParameters(params);
    try {
      tls.startHandshake();
    } catch (IOException e) {
      try {
        tls.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw clientCertificateRefused(tls, e).orElse(e);
    }
    return tls;
  }

  /** Whether Pomerium asked for a client certificate on {@code tls}, and what was sent. */
  public Optional<ClientCertificateRequest> clientCertificateRequest(SSLSocket tls) {
    return recorder.request(tls);
  }

  /**
   * {@code failure} of {@code tls}, as the refusal of its client certificate when Pomerium asked for one and the
   * failure is not this side's own verdict on Pomerium's certificate, nor a timeout.
   */
  Optional<IOException> clientCertificateRefused(SSLSocket tls, IOException failure) {
    if (failure instanceof java.net.SocketTimeoutException) {
      return Optional.empty();
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        return Optional.empty();
      }
    }
    return recorder.request(tls).map(asked -> new ClientCertificateRequest.Refused(asked, failure));
  }

  /**
   * The certificate chain the server on {@code raw} presents for {@code endpoint}'s name, whether or not it is
   * trusted: for the doctor, to show what a failed handshake was offered. The chain is recorded and then refused, so
   * the handshake never completes and nothing is sent.
   */
  public static List<X509Certificate> presentedChain(Socket raw, PomeriumEndpoint endpoint) throws IOException {
    List<X509Certificate> presented = new ArrayList<>();
    X509TrustManager recording = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not checked here");
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        presented.addAll(Arrays.asList(chain));
        // Recorded, never trusted: the handshake ends here, so this connection can never carry anything.
        throw new CertificateException("recorded only");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {recording}, null);
      try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, endpoint.host(), endpoint.port(),
          true)) {
        if (!IP_LITERAL.matcher(endpoint.host()).find()) {
          SSLParameters params = tls.getSSLParameters();
          params.setServerNames(List.of(new SNIHostName(endpoint.host())));
          tls.setSSLParameters(params);
        }
        tls.startHandshake();
      } catch (javax.net.ssl.SSLHandshakeException expected) {
        // the trust manager above refused the chain once recorded; anything else is the caller's failure
        if (presented.isEmpty()) {
          throw expected;
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
    return presented;
  }

  /**
   * The JDK's suites, AES-128-GCM first, as BoringSSL (Envoy, so Pomerium) orders them on machines with AES
   * instructions: the tunnel carries whole packs, and 10 AES rounds instead of 14 is the cheapest byte.
   */
  static String[] aes128GcmFirst(String[] suites) {
    return Arrays.stream(suites)
        .sorted(Comparator.comparing(suite -> !suite.contains("_AES_128_GCM_")))
        .toArray(String[]::new);
  }

  private static String[] supported(String[] available) {
    List<String> availableList = Arrays.asList(available);
    return Arrays.stream(PROTOCOLS).filter(availableList::contains).toArray(String[]::new);
  }

  private static X509ExtendedTrustManager trustManager(List<X509Certificate> extra) throws GeneralSecurityException {
    X509ExtendedTrustManager system = fromKeyStore(null);
    if (extra.isEmpty()) {
      return system;
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    for (int i = 0; i < extra.size(); i++) {
      store.setCertificateEntry("extra-ca-" + i, extra.get(i));
    }
    return new EitherTrustManager(system, fromKeyStore(store));
  }

  private static X509ExtendedTrustManager fromKeyStore(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager tm : factory.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("no X509ExtendedTrustManager in " + factory.getAlgorithm());
  }

  /**
   * Trusts a chain that either delegate trusts. Both delegates are JSSE's own, so each also checks the host name when
   * the socket asks for endpoint identification.
   */
  private static final class EitherTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager first;
    private final X509ExtendedTrustManager second;

    EitherTrustManager(X509ExtendedTrustManager first, X509ExtendedTrustManager second) {
      this.first = first;
      this.second = second;
    }

    private interface Check {
      void run(X509ExtendedTrustManager tm) throws CertificateException;
    }

    private void either(Check check) throws CertificateException {
      try {
        check.run(first);
      } catch (CertificateException e) {
        try {
          check.run(second);
        } catch (CertificateException e2) {
          e2.addSuppressed(e);
          throw e2;
        }
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("client certificates are not checked here");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("client certificates are not checked here");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("client certificates are not checked here");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> all = new ArrayList<>(Arrays.asList(first.getAcceptedIssuers()));
      all.addAll(Arrays.asList(second.getAcceptedIssuers()));
      return all.toArray(new X509Certificate[0]);
    }
  }

  /** Used only when the user explicitly disabled TLS verification; every use is logged as a warning. */
  private static final class TrustEverything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("client certificates are not checked here");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // Deliberately accepts any server: the user asked for --disable-tls-verification.
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
