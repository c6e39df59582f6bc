package dev.jgitpomerium.bench;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The yardstick for connection set-up: what one TLS handshake with the gateway costs plain JSSE in
 * this JVM, full and resumed, with the parameters the library uses (TLS 1.3/1.2, SNI, ALPN {@code
 * http/1.1}, host-name verification). Also tells whether a connection resumed an earlier session:
 * a resumed session keeps the creation time of the one it resumes, a full handshake makes a new
 * one.
 */
final class TlsProbe {
  private static final int TIMEOUT_MILLIS = 10_000;
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final String host;
  private final int port;
  private final X509Certificate ca;

  TlsProbe(String gatewayUrl, Path caPem) throws IOException, GeneralSecurityException {
    URI uri = URI.create(gatewayUrl);
    this.host = uri.getHost();
    this.port = uri.getPort();
    try (InputStream in = Files.newInputStream(caPem)) {
      this.ca =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /** One handshake's duration and whether it resumed a session. */
  record Handshake(double millis, boolean resumed) {}

  /** A context trusting only the gateway's CA, with an empty session cache. */
  SSLContext newContext() throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("gateway-ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  /**
   * TCP connect and handshake, timed; then a request the gateway answers 404 and closes, untimed,
   * read to the end so that a TLS 1.3 session ticket (sent after the handshake) reaches the cache.
   */
  Handshake handshake(SSLContext context) throws IOException, InterruptedException {
    long wallStart = tickedMillis();
    long start = System.nanoTime();
    try (Socket raw = new Socket()) {
      raw.setTcpNoDelay(true);
      raw.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      raw.setSoTimeout(TIMEOUT_MILLIS);
      SSLSocket tls =
          (SSLSocket) context.getSocketFactory().createSocket(raw, host, port, true);
      SSLParameters parameters = tls.getSSLParameters();
      parameters.setProtocols(PROTOCOLS);
      parameters.setApplicationProtocols(new String[] {"http/1.1"});
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      parameters.setServerNames(List.of(new SNIHostName(host)));
      tls.setSSLParameters(parameters);
      tls.startHandshake();
      double millis = Alternation.millisSince(start);
      boolean resumed = tls.getSession().getCreationTime() < wallStart;
      OutputStream out = tls.getOutputStream();
      out.write(
          ("GET /.pomerium/bench HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      tls.getInputStream().transferTo(OutputStream.nullOutputStream());
      tls.close();
      return new Handshake(millis, resumed);
    }
  }

  /**
   * Opens a tunnel with the library's public {@code openTunnel} (the same TLS context and session
   * cache as its JGit connections) and tells whether its TLS session was resumed.
   */
  static Handshake openTunnel(PomeriumSshSessionFactory factory)
      throws IOException, InterruptedException {
    long wallStart = tickedMillis();
    long start = System.nanoTime();
    try (Socket socket = factory.openTunnel(BenchServer.HOST, 22)) {
      double millis = Alternation.millisSince(start);
      SSLSession session = ((SSLSocket) socket).getSession();
      return new Handshake(millis, session.getCreationTime() < wallStart);
    }
  }

  /**
   * The wall clock just after it ticked, so a session created before this call has an earlier
   * creation time (milliseconds) and one created by this connection does not.
   */
  private static long tickedMillis() {
    long before = System.currentTimeMillis();
    long now;
    while ((now = System.currentTimeMillis()) == before) {
      Thread.onSpinWait(); // a millisecond at most
    }
    return now;
  }
}
