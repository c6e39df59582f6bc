package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import okhttp3.tls.HeldCertificate;

/**
 * A client certificate and key issued by a {@link PomeriumGateway}'s CA, for mutual-TLS tests.
 *
 * <p>Pomerium deployments that enforce device identity require a client certificate before any
 * CONNECT is looked at. The PEM accessors and {@link #writeTo} give exactly what a client would
 * load from disk ({@code --client-cert}/{@code --client-key} in pomerium-cli terms).
 */
public final class ClientCertificate {
  private final String commonName;
  private final HeldCertificate held;

  ClientCertificate(String commonName, HeldCertificate held) {
    this.commonName = commonName;
    this.held = held;
  }

  /** The common name the certificate was issued for. */
  public String commonName() {
    return commonName;
  }

  /** The certificate, for building a key store in memory. */
  public X509Certificate certificate() {
    return held.certificate();
  }

  /** The private key matching {@link #certificate()}. */
  public PrivateKey privateKey() {
    return held.keyPair().getPrivate();
  }

  /** The certificate as PEM ({@code BEGIN CERTIFICATE}). */
  public String certificatePem() {
    return held.certificatePem();
  }

  /** The private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
  public String privateKeyPem() {
    return held.privateKeyPkcs8Pem();
  }

  /**
   * Writes the certificate and the key as PEM files, creating parent directories; the key file is
   * made owner-readable only where the file system supports POSIX permissions.
   */
  public void writeTo(Path certFile, Path keyFile) throws IOException {
    Files2.createParentDirectories(certFile);
    Files.writeString(certFile, certificatePem(), StandardCharsets.US_ASCII);
    Files2.writePrivate(keyFile, privateKeyPem().getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "ClientCertificate{CN=" + commonName + "}";
  }
}
