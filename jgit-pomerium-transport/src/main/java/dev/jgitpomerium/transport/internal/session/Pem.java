package dev.jgitpomerium.transport.internal.session;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with the JDK alone. Keys may be PKCS#8 ({@code BEGIN PRIVATE KEY}, what
 * mkcert and OpenSSL 3 write), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY});
 * the last two are rewrapped as PKCS#8. Encrypted keys are refused with a message saying so.
 */
public final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final byte[] OID_RSA = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
      0x01, 0x01};
  private static final byte[] OID_EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  private Pem() {}

  /** All certificates in {@code pem}, in order. */
  public static List<X509Certificate> certificates(String pem) throws CertificateException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      if (m.group(1).equals("CERTIFICATE") || m.group(1).equals("TRUSTED CERTIFICATE")) {
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(decode(m.group(2)))));
      }
    }
    if (out.isEmpty()) {
      throw new CertificateException("no '-----BEGIN CERTIFICATE-----' block found");
    }
    return out;
  }

  /** The first private key in {@code pem}. */
  public static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      String type = m.group(1);
      byte[] der = decode(m.group(2));
      switch (type) {
        case "PRIVATE KEY":
          return pkcs8(der);
        case "RSA PRIVATE KEY":
          return pkcs8(wrapPkcs8(sequence(OID_RSA, new byte[] {0x05, 0x00}), der));
        case "EC PRIVATE KEY":
          return pkcs8(wrapPkcs8(sequence(OID_EC_PUBLIC_KEY, sec1CurveOid(der)), der));
        case "ENCRYPTED PRIVATE KEY":
          throw new GeneralSecurityException("the private key is encrypted; supply an unencrypted PKCS#8 key");
        default:
          // Certificates and parameters may share the file; skip them.
      }
    }
    throw new GeneralSecurityException("no '-----BEGIN PRIVATE KEY-----' block found");
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException("unsupported private key algorithm", last);
  }

  private static byte[] decode(String base64) {
    return Base64.getMimeDecoder().decode(base64);
  }

  /** SEC1 ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, [0] parameters OID, [1] publicKey }. */
  private static byte[] sec1CurveOid(byte[] der) throws GeneralSecurityException {
    Der seq = new Der(der, 0);
    if (seq.tag != 0x30) {
      throw new GeneralSecurityException("malformed EC private key");
    }
    int pos = seq.contentStart;
    while (pos < seq.end()) {
      Der field = new Der(der, pos);
      if (field.tag == (byte) 0xa0) {
        // Its content is the curve's OBJECT IDENTIFIER, tag and all.
        return java.util.Arrays.copyOfRange(der, field.contentStart, field.end());
      }
      pos = field.end();
    }
    throw new GeneralSecurityException("the EC private key does not name its curve; convert it to PKCS#8");
  }

  private static byte[] wrapPkcs8(byte[] algorithmIdentifier, byte[] key) {
    byte[] version = {0x02, 0x01, 0x00};
    return sequence(version, algorithmIdentifier, tlv(0x04, key));
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      content.writeBytes(p);
    }
    return tlv(0x30, content.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  /** One DER tag-length-value header. */
  private static final class Der {
    final byte tag;
    final int contentStart;
    final int length;

    Der(byte[] der, int offset) throws GeneralSecurityException {
      if (offset + 2 > der.length) {
        throw new GeneralSecurityException("truncated DER");
      }
      tag = der[offset];
      int first = der[offset + 1] & 0xff;
      int pos = offset + 2;
      if (first < 0x80) {
        length = first;
      } else {
        int n = first & 0x7f;
        if (n == 0 || n > 3 || pos + n > der.length) {
          throw new GeneralSecurityException("malformed DER length");
        }
        int len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (der[pos++] & 0xff);
        }
        length = len;
      }
      contentStart = pos;
      if (contentStart + length > der.length) {
        throw new GeneralSecurityException("truncated DER");
      }
    }

    int end() {
      return contentStart + length;
    }
  }
}
