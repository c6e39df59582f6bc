package dev.jgitpomerium.transport.internal.tunnel;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/**
 * What the TLS context presents when Pomerium asks for a client certificate: a certificate chain with a private key
 * that Java can read (PEM files, a PKCS#12 file), or entries of a platform store whose keys may be handles that never
 * leave the operating system ({@link ClientKeyStores}).
 */
public interface ClientIdentity {
  /** The key managers for the TLS context. */
  KeyManager[] keyManagers() throws GeneralSecurityException;

  /**
   * Hands {@code digest} the parts that tell this identity from another (certificates, and key encodings where the
   * key has one), so that factories presenting the same identity share a TLS context.
   */
  void identify(Consumer<byte[]> digest) throws GeneralSecurityException;

  /** A chain and its private key, held in memory. */
  static ClientIdentity of(List<X509Certificate> chain, PrivateKey key) {
    List<X509Certificate> certificates = List.copyOf(chain);
    return new ClientIdentity() {
      @Override
      public KeyManager[] keyManagers() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        char[] password = new char[0];
        try {
          store.load(null, null);
        } catch (IOException e) {
          throw new GeneralSecurityException(e);
        }
        store.setKeyEntry("client", key, password, certificates.toArray(new X509Certificate[0]));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers();
      }

      @Override
      public void identify(Consumer<byte[]> digest) throws GeneralSecurityException {
        for (X509Certificate certificate : certificates) {
          digest.accept(certificate.getEncoded());
        }
        byte[] encoded = key.getEncoded();
        digest.accept(encoded != null ? encoded : new byte[0]);
      }
    };
  }
}
