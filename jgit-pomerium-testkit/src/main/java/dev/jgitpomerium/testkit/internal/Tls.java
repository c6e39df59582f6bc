package dev.jgitpomerium.testkit.internal;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds JDK TLS contexts from in-memory keys and certificates.
 *
 * <p>Plain JDK key and trust managers are used on purpose, so the gateway's TLS behaves like any
 * Java server and depends on nothing but the certificates okhttp-tls generated.
 */
public final class Tls {
  private static final char[] PASSWORD = "testkit".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Tls() {}

  /**
   * An SSL context presenting {@code chain} (leaf first) with {@code key}, or no certificate when
   * {@code key} is null, and trusting exactly {@code trusted}, or the JDK defaults when null.
   */
  public static SSLContext context(
      PrivateKey key, X509Certificate[] chain, X509Certificate trusted) {
    try {
      KeyManager[] keyManagers = key == null ? null : keyManagers(key, chain);
      TrustManager[] trustManagers = trusted == null ? null : trustManagers(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers, trustManagers, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build an SSL context", e);
    }
  }

  /** A positive random serial, so no two certificates from one CA share issuer and serial. */
  public static BigInteger randomSerial() {
    return new BigInteger(63, RANDOM).add(BigInteger.ONE);
  }

  private static KeyManager[] keyManagers(PrivateKey key, X509Certificate[] chain)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("key", key, PASSWORD, chain);
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(store, PASSWORD);
    return factory.getKeyManagers();
  }

  private static TrustManager[] trustManagers(X509Certificate trusted)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("trusted", trusted);
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers();
  }
}
