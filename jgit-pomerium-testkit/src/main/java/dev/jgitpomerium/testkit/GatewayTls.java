package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Tls;
import java.io.IOException;
import java.net.Socket;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import okhttp3.tls.HeldCertificate;

/**
 * The TLS side of {@link PomeriumGateway}: its own CA, the server certificate for its host names, the server's TLS
 * parameters (as Envoy's), and contexts and certificates for the clients of tests.
 */
final class GatewayTls {
  private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  private static final String[] ALPN = {"http/1.1"};

  private final HeldCertificate rootCa;
  private final SSLContext serverContext;
  private final boolean requireClientCertificate;

  /**
   * A fresh CA and a server certificate for {@code hostNames} (plus 127.0.0.1), valid from {@code notBefore} to
   * {@code notAfter} (null: an hour ago, a day from now).
   */
  GatewayTls(List<String> hostNames, Instant notBefore, Instant notAfter, boolean requireClientCertificate) {
    this.requireClientCertificate = requireClientCertificate;
    Instant now = Instant.now();
    Instant from = notBefore != null ? notBefore : now.minus(Duration.ofHours(1));
    Instant until = notAfter != null ? notAfter : now.plus(Duration.ofDays(1));
    // The CA outlives the server certificate on both ends, so an "expired" test fails on the
    // server certificate and nothing else.
    Instant caNotBefore = min(from, now.minus(Duration.ofHours(1)));
    Instant caNotAfter = max(until, now.plus(Duration.ofDays(1)));
    this.rootCa =
        new HeldCertificate.Builder()
            .certificateAuthority(0)
            .commonName("jgit-pomerium testkit CA")
            .organizationalUnit("PomeriumGateway")
            .serialNumber(Tls.randomSerial())
            .validityInterval(caNotBefore.toEpochMilli(), caNotAfter.toEpochMilli())
            .build();
    HeldCertificate.Builder server =
        new HeldCertificate.Builder()
            .commonName(hostNames.get(0))
            .serialNumber(Tls.randomSerial())
            .validityInterval(from.toEpochMilli(), until.toEpochMilli())
            .signedBy(rootCa);
    for (String name : hostNames) {
      server.addSubjectAlternativeName(name);
    }
    if (!hostNames.contains("127.0.0.1")) {
      server.addSubjectAlternativeName("127.0.0.1");
    }
    HeldCertificate serverCertificate = server.build();
    this.serverContext =
        Tls.context(
            serverCertificate.keyPair().getPrivate(),
            new X509Certificate[] {serverCertificate.certificate(), rootCa.certificate()},
            requireClientCertificate ? rootCa.certificate() : null);
  }

  HeldCertificate rootCa() {
    return rootCa;
  }

  boolean requiresClientCertificate() {
    return requireClientCertificate;
  }

  /** A client certificate signed by the CA, valid from {@code notBefore} to {@code notAfter}. */
  ClientCertificate issueClientCertificate(String commonName, Instant notBefore, Instant notAfter) {
    HeldCertificate held =
        new HeldCertificate.Builder()
            .commonName(Objects.requireNonNull(commonName, "commonName"))
            .serialNumber(Tls.randomSerial())
            .validityInterval(notBefore.toEpochMilli(), notAfter.toEpochMilli())
            .signedBy(rootCa)
            .build();
    return new ClientCertificate(commonName, held);
  }

  /** A client context trusting only the CA, presenting {@code certificate} unless null. */
  SSLContext clientSslContext(ClientCertificate certificate) {
    if (certificate == null) {
      return Tls.context(null, null, rootCa.certificate());
    }
    return Tls.context(
        certificate.privateKey(),
        new X509Certificate[] {certificate.certificate(), rootCa.certificate()},
        rootCa.certificate());
  }

  /** The server side of TLS over an accepted socket, not yet handshaken, with Envoy's parameters. */
  SSLSocket serverSocket(Socket raw) throws IOException {
    SSLSocket socket = (SSLSocket) serverContext.getSocketFactory().createSocket(raw, null, true);
    SSLParameters parameters = new SSLParameters();
    parameters.setProtocols(TLS_PROTOCOLS);
    parameters.setApplicationProtocols(ALPN);
    // Envoy's (BoringSSL's) choice on machines with AES instructions, rather than the JDK's AES-256 first.
    parameters.setCipherSuites(
        Arrays.stream(socket.getEnabledCipherSuites())
            .sorted(Comparator.comparing(suite -> !suite.contains("_AES_128_GCM_")))
            .toArray(String[]::new));
    parameters.setUseCipherSuitesOrder(true);
    parameters.setNeedClientAuth(requireClientCertificate);
    socket.setSSLParameters(parameters);
    return socket;
  }

  /** The host name the client asked for (SNI), or null. */
  static String serverName(SSLSession session) {
    if (session instanceof ExtendedSSLSession) {
      for (SNIServerName name : ((ExtendedSSLSession) session).getRequestedServerNames()) {
        if (name instanceof SNIHostName) {
          return ((SNIHostName) name).getAsciiName();
        }
      }
    }
    return null;
  }

  /** The subject of the client's certificate when one is required, else null. */
  String clientSubject(SSLSession session) {
    if (!requireClientCertificate) {
      return null;
    }
    try {
      Certificate[] peer = session.getPeerCertificates();
      if (peer.length > 0 && peer[0] instanceof X509Certificate) {
        return ((X509Certificate) peer[0]).getSubjectX500Principal().getName();
      }
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    return null;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
