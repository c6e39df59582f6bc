package dev.jgitpomerium.transport.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyStore;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.X509KeyManager;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

/**
 * The platform certificate store's selection, as pomerium-cli's {@code --client-cert-from-store} makes it, with an
 * in-memory PKCS#12 store standing in for KeychainStore and Windows-MY (this machine has neither). The key manager
 * asked here is the one the TLS handshake asks.
 */
class ClientKeyStoresTest {
  private static final HeldCertificate CORP_CA =
      new HeldCertificate.Builder().commonName("Corp Device CA").certificateAuthority(0).build();
  private static final HeldCertificate OTHER_CA =
      new HeldCertificate.Builder().commonName("Other CA").certificateAuthority(0).build();
  private static final HeldCertificate ALICE = leaf("alice", CORP_CA, Duration.ofDays(-1), Duration.ofDays(1));
  private static final HeldCertificate BOB = leaf("bob", OTHER_CA, Duration.ofDays(-1), Duration.ofDays(1));
  private static final HeldCertificate ALICE_EXPIRED =
      leaf("alice", CORP_CA, Duration.ofDays(-30), Duration.ofDays(-1));

  private static HeldCertificate leaf(String name, HeldCertificate ca, Duration from, Duration to) {
    Instant now = Instant.now();
    return new HeldCertificate.Builder().commonName(name).organizationalUnit("Devices").signedBy(ca)
        .validityInterval(now.plus(from).toEpochMilli(), now.plus(to).toEpochMilli()).build();
  }

  /** A store holding {@code entries} in this order, each under its common name plus its index. */
  private static KeyStore store(HeldCertificate... entries) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < entries.length; i++) {
      HeldCertificate entry = entries[i];
      HeldCertificate ca = entry.certificate().getIssuerX500Principal().getName().contains("Corp") ? CORP_CA : OTHER_CA;
      store.setKeyEntry(name(entry) + "-" + i, entry.keyPair().getPrivate(), ClientKeyStores.PLATFORM_KEY_PASSWORD,
          new X509Certificate[] {entry.certificate(), ca.certificate()});
    }
    // A CA certificate without a key is not an identity and is never offered.
    store.setCertificateEntry("corp-ca", CORP_CA.certificate());
    return store;
  }

  private static String name(HeldCertificate certificate) {
    return certificate.certificate().getSubjectX500Principal().getName().replaceAll(".*CN=([^,]+).*", "$1");
  }

  private static ClientIdentity select(KeyStore store, String issuer, String subject) {
    return ClientKeyStores.store("KeychainStore", () -> store).select(issuer == null ? null
        : CertificateFilter.parse(issuer), subject == null ? null : CertificateFilter.parse(subject));
  }

  /** The certificate TLS presents when the server accepts {@code acceptedIssuers} (null: any), or null for none. */
  private static String presented(ClientIdentity identity, Principal... acceptedIssuers) throws Exception {
    X509KeyManager keys = (X509KeyManager) identity.keyManagers()[0];
    String alias = keys.chooseClientAlias(new String[] {"EC", "RSA"}, acceptedIssuers.length == 0 ? null
        : acceptedIssuers, null);
    if (alias == null) {
      return null;
    }
    assertTrue(keys.getPrivateKey(alias) != null, "the key of " + alias);
    return keys.getCertificateChain(alias)[0].getSubjectX500Principal().getName();
  }

  @Test
  void aSubjectFilterChoosesTheCertificateWithThatName() throws Exception {
    ClientIdentity identity = select(store(ALICE, BOB), null, "CN=bob");
    assertEquals(List.of("bob-1"), ClientKeyStores.offeredAliases(identity));
    assertEquals("CN=bob,OU=Devices", presented(identity));
  }

  @Test
  void anIssuerFilterChoosesByTheIssuersName() throws Exception {
    assertEquals(List.of("alice-0"), ClientKeyStores.offeredAliases(select(store(ALICE, BOB), "CN=Corp Device CA",
        null)));
    assertEquals(List.of("bob-1"), ClientKeyStores.offeredAliases(select(store(ALICE, BOB), "cn=Other CA",
        "ou=Devices")));
  }

  @Test
  void withSeveralMatchesTlsPresentsTheFirstWhoseIssuerTheServerAccepts() throws Exception {
    ClientIdentity identity = select(store(ALICE, BOB), null, "OU=Devices");
    assertEquals(List.of("alice-0", "bob-1"), ClientKeyStores.offeredAliases(identity));
    assertEquals("CN=alice,OU=Devices", presented(identity));
    assertEquals("CN=bob,OU=Devices", presented(identity, OTHER_CA.certificate().getSubjectX500Principal()));
    assertNull(presented(identity, new javax.security.auth.x500.X500Principal("CN=Nobody's CA")));
  }

  @Test
  void certificatesThatAreNotValidNowAreNotOffered() throws Exception {
    assertEquals(List.of("alice-1"), ClientKeyStores.offeredAliases(select(store(ALICE_EXPIRED, ALICE), null,
        "CN=alice")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> select(store(ALICE_EXPIRED, BOB), null, "CN=alice"));
    assertTrue(e.getMessage().startsWith("no valid certificate in the platform certificate store KeychainStore "
        + "matching subject CN=alice: the matching ones are not valid now: CN=alice,OU=Devices (issuer CN=Corp Device "
        + "CA, valid "), e.getMessage());
    assertTrue(e.getMessage().contains(ALICE_EXPIRED.certificate().getNotAfter().toInstant().toString()),
        e.getMessage());
  }

  @Test
  void noMatchSaysWhatTheStoreHoldsBySubjectAndIssuer() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> select(store(ALICE, BOB), "CN=Corp Device CA", "CN=carol"));
    assertTrue(e.getMessage().startsWith("no certificate with a private key in the platform certificate store "
        + "KeychainStore matching issuer CN=Corp Device CA and subject CN=carol: it holds CN=alice,OU=Devices (issuer "
        + "CN=Corp Device CA, valid "), e.getMessage());
    assertTrue(e.getMessage().contains("; CN=bob,OU=Devices (issuer CN=Other CA, valid "), e.getMessage());
    assertFalse(e.getMessage().contains("PRIVATE KEY"), e.getMessage());
    assertEquals("no certificate with a private key in the platform certificate store KeychainStore: it holds none",
        assertThrows(IllegalArgumentException.class, () -> select(store(), null, null)).getMessage());
  }

  @Test
  void linuxHasNoPlatformStoreAndTheMessageSaysWhatToUseInstead() {
    assertEquals("the platform certificate stores (KeychainStore on macOS, Windows-MY on Windows) are not available "
        + "on Linux: use a PEM client certificate and key, or a PKCS#12 file",
        assertThrows(IllegalArgumentException.class, () -> ClientKeyStores.platform("Linux")).getMessage());
  }
}
