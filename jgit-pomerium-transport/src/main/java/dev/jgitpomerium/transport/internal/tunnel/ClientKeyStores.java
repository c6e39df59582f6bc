package dev.jgitpomerium.transport.internal.tunnel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyStoreBuilderParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client certificates from key stores: a PKCS#12 file with its password, and the platform's own store ({@code
 * KeychainStore} on macOS, {@code Windows-MY} on Windows), chosen as pomerium-cli's {@code --client-cert-from-store}
 * chooses: by an optional issuer and subject filter ({@link CertificateFilter}).
 */
public final class ClientKeyStores {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.TLS);
  /**
   * The password a platform store's key is asked for with: Windows-MY ignores it, and macOS's KeychainStore uses it
   * only to wrap the key it hands out. The user never has one to give.
   */
  public static final char[] PLATFORM_KEY_PASSWORD = "jgit-pomerium".toCharArray();

  private ClientKeyStores() {}

  /** Where client certificates come from, before the filters choose among them. */
  public interface Source {
    /**
     * The identity to present, chosen by {@code issuer} and {@code subject} (each null for any).
     *
     * @throws IllegalArgumentException if nothing can be presented: the message names the store and what it holds
     */
    ClientIdentity select(CertificateFilter issuer, CertificateFilter subject);
  }

  /**
   * The key entries of a PKCS#12 file, decrypted now with {@code password} (which is not kept).
   *
   * @throws IllegalArgumentException naming the file (never the password): unreadable, not PKCS#12, wrong password,
   *     or no private key in it
   */
  /** What follows the file's name when it needs a password and was given none (the CLI names its own options). */
  private static final String NEEDS_A_PASSWORD = "needs a password, and none was given";

  /** What follows the file's name, then the ways to give a PEM pair, when it is PEM (the CLI names its options). */
  private static final String IS_PEM = "is not a PKCS#12 file (it looks like PEM";

  public static Source pkcs12(Path file, char[] password) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read PKCS#12 file " + file + ": " + e, e);
    }
    KeyStore store;
    try {
      store = KeyStore.getInstance("PKCS12");
      store.load(new ByteArrayInputStream(bytes), password);
    } catch (IOException e) {
      if (causedBy(e, UnrecoverableKeyException.class)) {
        // An empty password that fails is no password given, not a wrong one.
        throw new IllegalArgumentException(password.length == 0 ? file + " " + NEEDS_A_PASSWORD
            + ": give it to clientCertificatePkcs12, or set jgit.pomerium.clientCertPasswordFile "
            + "(JGIT_POMERIUM_CLIENT_CERT_PASSWORD_FILE) or JGIT_POMERIUM_CLIENT_CERT_PASSWORD"
            : "the password for " + file + " is wrong", e);
      }
      if (looksLikePem(bytes)) {
        // The JDK's own words ("toDerInputStream rejects tag type 45") say nothing to a user.
        throw new IllegalArgumentException(file + " " + IS_PEM + ": give it as a client certificate and key: "
            + "clientCertificate(cert, key), or jgit.pomerium.clientCert and jgit.pomerium.clientKey)", e);
      }
      throw new IllegalArgumentException(file + " is not a PKCS#12 file: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read PKCS#12 file " + file + ": " + e.getMessage(), e);
    }
    List<Entry> entries = new ArrayList<>();
    List<X509Certificate> certificatesOnly = new ArrayList<>();
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (store.isKeyEntry(alias)) {
          Key key;
          try {
            key = store.getKey(alias, password);
          } catch (UnrecoverableKeyException e) {
            throw new IllegalArgumentException("the password for the key '" + alias + "' in " + file
                + " is wrong (it opened the file but not this key)", e);
          }
          List<X509Certificate> chain = x509(store.getCertificateChain(alias));
          if (key instanceof PrivateKey privateKey && !chain.isEmpty()) {
            entries.add(new Entry(alias, chain, privateKey));
          }
        } else if (store.getCertificate(alias) instanceof X509Certificate certificate) {
          certificatesOnly.add(certificate);
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read PKCS#12 file " + file + ": " + e.getMessage(), e);
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no private key with its certificate"
          + (certificatesOnly.isEmpty() ? "" : " (only the certificates " + list(certificatesOnly) + ")")
          + ": export it with the key, e.g. openssl pkcs12 -export -in cert.pem -inkey key.pem -out "
          + file.getFileName());
    }
    return new Pkcs12(file, entries);
  }

  /**
   * This operating system's certificate store: {@code KeychainStore} on macOS, {@code Windows-MY} (the current user's
   * certificates) on Windows.
   *
   * @throws IllegalArgumentException on other systems, or if this JVM has no provider for the store
   */
  public static Source platform() {
    return platform(System.getProperty("os.name", ""));
  }

  static Source platform(String osName) {
    String os = osName.toLowerCase(Locale.ROOT);
    String type = os.startsWith("mac") ? "KeychainStore" : os.startsWith("windows") ? "Windows-MY" : null;
    if (type == null) {
      throw new IllegalArgumentException("the platform certificate stores (KeychainStore on macOS, Windows-MY on "
          + "Windows) are not available on " + osName + ": use a PEM client certificate and key, or a PKCS#12 file");
    }
    try {
      KeyStore.getInstance(type);
    } catch (KeyStoreException e) {
      throw new IllegalArgumentException("this Java runtime has no provider for the platform certificate store " + type
          + " (" + e.getMessage() + "): use a PEM client certificate and key, or a PKCS#12 file", e);
    }
    return store(type, () -> {
      KeyStore store = KeyStore.getInstance(type);
      store.load(null, null);
      return store;
    });
  }

  /**
   * A store opened by {@code opener} (loaded), named {@code type} in messages, whose keys are asked for with {@link
   * #PLATFORM_KEY_PASSWORD}. The platform stores are this; tests give a store of their own in its place.
   */
  public static Source store(String type, Callable<KeyStore> opener) {
    return (issuer, subject) -> selectFromStore(type, opener, issuer, subject, Instant.now());
  }

  /**
   * pomerium-cli's choice: the identities (certificate with private key) whose leaf matches the filters and is valid
   * now. All of them are offered, in the store's order, and JSSE presents the first whose issuer the server accepts
   * and whose key type it can use, as pomerium-cli does with the CA names of the server's certificate request.
   */
  static ClientIdentity selectFromStore(String type, Callable<KeyStore> opener, CertificateFilter issuer,
      CertificateFilter subject, Instant now) {
    KeyStore store;
    try {
      store = opener.call();
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot open the platform certificate store " + type + ": " + e, e);
    }
    List<String> chosen = new ArrayList<>();
    List<X509Certificate> matchingButNotValid = new ArrayList<>();
    List<X509Certificate> held = new ArrayList<>();
    List<List<X509Certificate>> chains = new ArrayList<>();
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (!store.isKeyEntry(alias)) {
          continue;
        }
        List<X509Certificate> chain = x509(store.getCertificateChain(alias));
        if (chain.isEmpty()) {
          continue;
        }
        X509Certificate leaf = chain.get(0);
        held.add(leaf);
        if (!matches(leaf, issuer, subject)) {
          continue;
        }
        if (valid(leaf, now)) {
          chosen.add(alias);
          chains.add(chain);
        } else {
          matchingButNotValid.add(leaf);
        }
      }
    } catch (KeyStoreException e) {
      throw new IllegalArgumentException("cannot read the platform certificate store " + type + ": " + e.getMessage(),
          e);
    }
    if (chosen.isEmpty()) {
      String wanted = wanted(issuer, subject);
      if (!matchingButNotValid.isEmpty()) {
        throw new IllegalArgumentException("no valid certificate in the platform certificate store " + type + wanted
            + ": the matching ones are not valid now: " + list(matchingButNotValid));
      }
      throw new IllegalArgumentException("no certificate with a private key in the platform certificate store " + type
          + wanted + (held.isEmpty() ? ": it holds none" : ": it holds " + list(held)));
    }
    log.debug("client certificates offered from {}: {}", type,
        chains.stream().map(c -> describe(c.get(0))).collect(Collectors.joining("; ")));
    return new StoreIdentity(type, store, chosen, chains);
  }

  private static String wanted(CertificateFilter issuer, CertificateFilter subject) {
    List<String> parts = new ArrayList<>();
    if (issuer != null) {
      parts.add("issuer " + issuer);
    }
    if (subject != null) {
      parts.add("subject " + subject);
    }
    return parts.isEmpty() ? "" : " matching " + String.join(" and ", parts);
  }

  private static boolean matches(X509Certificate leaf, CertificateFilter issuer, CertificateFilter subject) {
    return (issuer == null || issuer.matches(leaf.getIssuerX500Principal()))
        && (subject == null || subject.matches(leaf.getSubjectX500Principal()));
  }

  private static boolean valid(X509Certificate certificate, Instant now) {
    return !now.isBefore(certificate.getNotBefore().toInstant()) && !now.isAfter(certificate.getNotAfter().toInstant());
  }

  /** Subject, issuer and validity: what a user needs to tell certificates apart; no key material. */
  static String describe(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName() + " (issuer " + certificate.getIssuerX500Principal()
        .getName() + ", valid " + certificate.getNotBefore().toInstant() + " to "
        + certificate.getNotAfter().toInstant() + ")";
  }

  private static String list(List<X509Certificate> certificates) {
    return certificates.stream().map(ClientKeyStores::describe).collect(Collectors.joining("; "));
  }

  private static List<X509Certificate> x509(Certificate[] chain) {
    if (chain == null) {
      return List.of();
    }
    List<X509Certificate> out = new ArrayList<>();
    for (Certificate certificate : chain) {
      if (!(certificate instanceof X509Certificate x509)) {
        return List.of();
      }
      out.add(x509);
    }
    return out;
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static boolean looksLikePem(byte[] bytes) {
    return new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.ISO_8859_1).contains("-----BEGIN");
  }

  /** A key entry of a PKCS#12 file. */
  private record Entry(String alias, List<X509Certificate> chain, PrivateKey key) {}

  /** A PKCS#12 file's entries; the chosen one is presented as a PEM pair would be. */
  private record Pkcs12(Path file, List<Entry> entries) implements Source {
    @Override
    public ClientIdentity select(CertificateFilter issuer, CertificateFilter subject) {
      List<Entry> matching = entries.stream().filter(e -> matches(e.chain().get(0), issuer, subject)).toList();
      if (matching.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + file + wanted(issuer, subject) + ": it holds "
            + list(entries.stream().map(e -> e.chain().get(0)).toList()));
      }
      Instant now = Instant.now();
      // OpenSSL takes a PKCS#12 file's first key; among several, a valid one rather than one that has expired.
      Entry chosen = matching.stream().filter(e -> valid(e.chain().get(0), now)).findFirst().orElse(matching.get(0));
      X509Certificate leaf = chosen.chain().get(0);
      if (now.isAfter(leaf.getNotAfter().toInstant())) {
        log.warn("the client certificate {} in {} expired at {}: Pomerium will likely refuse it",
            leaf.getSubjectX500Principal().getName(), file, leaf.getNotAfter().toInstant());
      } else if (now.isBefore(leaf.getNotBefore().toInstant())) {
        log.warn("the client certificate {} in {} is not valid before {}: Pomerium will likely refuse it",
            leaf.getSubjectX500Principal().getName(), file, leaf.getNotBefore().toInstant());
      }
      if (entries.size() > 1) {
        log.debug("client certificate from {}: '{}', {}", file, chosen.alias(), describe(leaf));
      }
      return ClientIdentity.of(chosen.chain(), chosen.key());
    }

    @Override
    public String toString() {
      return "PKCS#12 file " + file;
    }
  }

  /** Entries of a store, offered through JSSE's key manager so that a key that is only a handle works. */
  private record StoreIdentity(String type, KeyStore store, List<String> aliases, List<List<X509Certificate>> chains)
      implements ClientIdentity {
    @Override
    public KeyManager[] keyManagers() throws GeneralSecurityException {
      KeyStore view = FilteredKeyStore.of(store, aliases);
      KeyStore.Builder builder =
          KeyStore.Builder.newInstance(view, new KeyStore.PasswordProtection(PLATFORM_KEY_PASSWORD.clone()));
      KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
      factory.init(new KeyStoreBuilderParameters(builder));
      return factory.getKeyManagers();
    }

    @Override
    public void identify(Consumer<byte[]> digest) throws GeneralSecurityException {
      digest.accept(type.getBytes(StandardCharsets.UTF_8));
      for (List<X509Certificate> chain : chains) {
        for (X509Certificate certificate : chain) {
          digest.accept(certificate.getEncoded());
        }
        digest.accept(new byte[0]);
      }
    }
  }

  /** The aliases a store identity offers, in order. */
  static List<String> offeredAliases(ClientIdentity identity) {
    return identity instanceof StoreIdentity store ? store.aliases() : List.of();
  }
}
