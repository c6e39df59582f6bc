package dev.jgitpomerium.transport.internal.tunnel;

import java.io.IOException;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * That Pomerium asked for a client certificate on one connection (its CertificateRequest made JSSE ask the key
 * manager for an alias), and what was sent: the signal that tells a refused or missing client certificate from an
 * untrusted server, without reading the text of an alert or a "Broken pipe". Under TLS 1.3 the client's handshake
 * ends before the server has judged the certificate, so its refusal only shows at the first write or read.
 *
 * @param issuers the issuers Pomerium accepts, as its CertificateRequest listed them (empty: any)
 * @param sent the chain sent, empty when none was
 * @param given the first certificate of the configured identity when one was configured but none was sent (it did
 *     not match the issuers or key types asked for), else null
 */
public record ClientCertificateRequest(List<String> issuers, List<X509Certificate> sent, X509Certificate given) {
  public ClientCertificateRequest {
    issuers = List.copyOf(issuers);
    sent = List.copyOf(sent);
  }

  /** A certificate's subject, issuer and end of validity, as messages show it. */
  static String describe(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName() + ", issued by "
        + certificate.getIssuerX500Principal().getName() + ", valid until " + certificate.getNotAfter().toInstant();
  }

  /** What this request's outcome says, for a connection that then failed: {@code now} decides what has expired. */
  String what(Instant now) {
    if (!sent.isEmpty()) {
      X509Certificate leaf = sent.get(0);
      Instant notAfter = leaf.getNotAfter().toInstant();
      if (notAfter.isBefore(now)) {
        return "refused the client certificate " + leaf.getSubjectX500Principal().getName() + ": it expired at "
            + notAfter;
      }
      if (leaf.getNotBefore().toInstant().isAfter(now)) {
        return "refused the client certificate " + leaf.getSubjectX500Principal().getName() + ": it is valid only "
            + "from " + leaf.getNotBefore().toInstant();
      }
      return "refused the client certificate " + describe(leaf) + " (is its issuer one Pomerium trusts?)";
    }
    if (given != null) {
      return "asked for a client certificate" + (issuers.isEmpty() ? "" : " issued by " + String.join(" or ", issuers))
          + "; the one given (" + describe(given) + ") does not fit, so none was sent";
    }
    return "asked for a client certificate and none was given";
  }

  /** Whether a client certificate was configured: the advice is then to renew or replace it, not to give one. */
  boolean configured() {
    return !sent.isEmpty() || given != null;
  }

  /** A failed handshake or first exchange on a connection where Pomerium asked for a client certificate. */
  static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient ClientCertificateRequest request;

    Refused(ClientCertificateRequest request, IOException cause) {
      super(cause.getMessage(), cause);
      this.request = request;
    }

    ClientCertificateRequest request() {
      return request;
    }
  }

  /**
   * The key manager JSSE asks for a client alias only when the server sent a CertificateRequest: it records, per
   * socket, that it was asked and what the configured one (if any) answered.
   */
  static final class Recorder extends X509ExtendedKeyManager {
    private final X509KeyManager delegate;
    private final Map<Socket, ClientCertificateRequest> requests = Collections.synchronizedMap(new WeakHashMap<>());

    /** @param delegate the configured identity's key manager, or null for none */
    Recorder(X509KeyManager delegate) {
      this.delegate = delegate;
    }

    Optional<ClientCertificateRequest> request(Socket socket) {
      return Optional.ofNullable(requests.get(socket));
    }

    private String chosen(String alias, String[] keyTypes, Principal[] issuers, Socket socket) {
      if (socket != null) {
        List<String> names = issuers == null ? List.of()
            : Arrays.stream(issuers).map(Principal::getName).collect(Collectors.toList());
        X509Certificate[] chain = alias == null || delegate == null ? null : delegate.getCertificateChain(alias);
        X509Certificate given = null;
        if (chain == null && delegate != null) {
          for (String keyType : keyTypes) {
            String[] any = delegate.getClientAliases(keyType, null);
            X509Certificate[] anyChain = any == null || any.length == 0 ? null : delegate.getCertificateChain(any[0]);
            if (anyChain != null && anyChain.length > 0) {
              given = anyChain[0];
              break;
            }
          }
        }
        requests.put(socket, new ClientCertificateRequest(names, chain == null ? List.of() : Arrays.asList(chain),
            given));
      }
      return alias;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      String alias = delegate == null ? null : delegate.chooseClientAlias(keyType, issuers, socket);
      return chosen(alias, keyType, issuers, socket);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return delegate instanceof X509ExtendedKeyManager extended
          ? extended.chooseEngineClientAlias(keyType, issuers, engine)
          : delegate == null ? null : delegate.chooseClientAlias(keyType, issuers, null);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return delegate == null ? null : delegate.getClientAliases(keyType, issuers);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return delegate == null ? null : delegate.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return delegate == null ? null : delegate.getPrivateKey(alias);
    }
  }
}
