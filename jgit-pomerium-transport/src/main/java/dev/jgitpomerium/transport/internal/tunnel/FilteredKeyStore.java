package dev.jgitpomerium.transport.internal.tunnel;

import java.io.InputStream;
import java.io.OutputStream;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.KeyStoreSpi;
import java.security.NoSuchAlgorithmException;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Date;
import java.util.Enumeration;
import java.util.List;

/**
 * A read-only view of some entries of another key store. JSSE's key manager then chooses among exactly the entries
 * the user's filters chose, by the server's acceptable CAs, key type and validity, while each key stays what the
 * store returns (a platform store's key is often a handle that cannot be copied into a store of our own).
 */
final class FilteredKeyStore extends KeyStoreSpi {
  private final KeyStore delegate;
  private final List<String> aliases;

  private FilteredKeyStore(KeyStore delegate, List<String> aliases) {
    this.delegate = delegate;
    this.aliases = List.copyOf(aliases);
  }

  /** A loaded key store showing {@code aliases} of {@code delegate}, in that order. */
  static KeyStore of(KeyStore delegate, List<String> aliases) throws KeyStoreException {
    KeyStore view = new KeyStore(new FilteredKeyStore(delegate, aliases), delegate.getProvider(),
        delegate.getType()) {};
    try {
      view.load(null, null);
    } catch (java.io.IOException | NoSuchAlgorithmException | java.security.cert.CertificateException e) {
      throw new KeyStoreException(e);
    }
    return view;
  }

  @Override
  public Key engineGetKey(String alias, char[] password) throws NoSuchAlgorithmException, UnrecoverableKeyException {
    try {
      return aliases.contains(alias) ? delegate.getKey(alias, password) : null;
    } catch (KeyStoreException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Certificate[] engineGetCertificateChain(String alias) {
    try {
      return aliases.contains(alias) ? delegate.getCertificateChain(alias) : null;
    } catch (KeyStoreException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Certificate engineGetCertificate(String alias) {
    try {
      return aliases.contains(alias) ? delegate.getCertificate(alias) : null;
    } catch (KeyStoreException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Date engineGetCreationDate(String alias) {
    try {
      return aliases.contains(alias) ? delegate.getCreationDate(alias) : null;
    } catch (KeyStoreException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Enumeration<String> engineAliases() {
    return Collections.enumeration(aliases);
  }

  @Override
  public boolean engineContainsAlias(String alias) {
    return aliases.contains(alias);
  }

  @Override
  public int engineSize() {
    return aliases.size();
  }

  @Override
  public boolean engineIsKeyEntry(String alias) {
    return aliases.contains(alias); // only key entries are chosen
  }

  @Override
  public boolean engineIsCertificateEntry(String alias) {
    return false;
  }

  @Override
  public String engineGetCertificateAlias(Certificate cert) {
    for (String alias : aliases) {
      if (cert.equals(engineGetCertificate(alias))) {
        return alias;
      }
    }
    return null;
  }

  @Override
  public void engineSetKeyEntry(String alias, Key key, char[] password, Certificate[] chain) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void engineSetKeyEntry(String alias, byte[] key, Certificate[] chain) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void engineSetCertificateEntry(String alias, Certificate cert) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void engineDeleteEntry(String alias) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void engineStore(OutputStream stream, char[] password) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void engineLoad(InputStream stream, char[] password) {
    // The delegate is loaded already.
  }
}
