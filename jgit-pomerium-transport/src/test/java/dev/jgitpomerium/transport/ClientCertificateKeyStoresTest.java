package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ClientCertificate;
import dev.jgitpomerium.testkit.Pkcs12Files;
import dev.jgitpomerium.transport.internal.tunnel.ClientKeyStores;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Client certificates from key stores against a gateway that, like Pomerium with {@code downstream_mtls}, refuses the
 * TLS handshake without a certificate from its CA: PKCS#12 files made by the real openssl and keytool from a
 * certificate the gateway issued, and the platform store's path with an in-memory store in its place.
 */
class ClientCertificateKeyStoresTest extends TestbedTest {
  private static final String PASSWORD = "correct horse battery staple";
  private ClientCertificate agent;
  private Path passwordFile;

  @BeforeEach
  void requireClientCertificates() throws Exception {
    restartTestbed("mtls", gateway -> gateway.requireClientCertificate(true));
    agent = testbed.gateway.issueClientCertificate("build-agent");
    passwordFile = Pkcs12Files.writePassword(dir.resolve("p12.password"), PASSWORD);
  }

  private String lastClientSubject() {
    return testbed.gateway.requests().get(testbed.gateway.requestCount() - 1).clientCertificateSubject();
  }

  @Test
  void aPkcs12FileMadeByOpensslClonesThroughAGatewayThatRequiresClientCertificates() throws Exception {
    Path p12 = Pkcs12Files.openssl(agent, dir.resolve("client.p12"), passwordFile);
    try (PomeriumSshSessionFactory without = testbed.factory().build()) {
      assertThrows(TransportException.class, () -> testbed.cloneThrough(without, "refused").close());
    }
    try (PomeriumSshSessionFactory pomerium = testbed.factory().clientCertificatePkcs12(p12, passwordFile).build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    assertEquals("CN=build-agent", lastClientSubject());
  }

  @Test
  void aPkcs12FileMadeByKeytoolWorksWithItsPasswordGivenInCode() throws Exception {
    Path openssl = Pkcs12Files.openssl(agent, dir.resolve("openssl.p12"), passwordFile);
    Path other = Pkcs12Files.writePassword(dir.resolve("keytool.password"), "another one");
    Path p12 = Pkcs12Files.keytool(openssl, passwordFile, dir.resolve("keytool.p12"), other);
    try (PomeriumSshSessionFactory pomerium =
        testbed.factory().clientCertificatePkcs12(p12, "another one".toCharArray()).build()) {
      pomerium.openTunnel(Testbed.HOST, 22).close();
    }
    assertEquals("CN=build-agent", lastClientSubject());
  }

  @Test
  void aWrongPasswordIsReportedNamingTheFileAndNeverThePassword() throws Exception {
    Path p12 = Pkcs12Files.openssl(agent, dir.resolve("client.p12"), passwordFile);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> testbed.factory().clientCertificatePkcs12(p12, "wrong-secret-guess".toCharArray()));
    assertEquals("the password for " + p12 + " is wrong", e.getMessage());
    IllegalArgumentException pem = assertThrows(IllegalArgumentException.class,
        () -> testbed.factory().clientCertificatePkcs12(dir.resolve("client.p12.cert.pem"), passwordFile));
    assertEquals(dir.resolve("client.p12.cert.pem") + " is not a PKCS#12 file (it looks like PEM: give it as a "
        + "client certificate and key: clientCertificate(cert, key), or jgit.pomerium.clientCert and "
        + "jgit.pomerium.clientKey)", pem.getMessage());
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> testbed.factory().clientCertificatePkcs12(p12, new char[0]));
    assertEquals(p12 + " needs a password, and none was given: give it to clientCertificatePkcs12, or set "
        + "jgit.pomerium.clientCertPasswordFile (JGIT_POMERIUM_CLIENT_CERT_PASSWORD_FILE) or "
        + "JGIT_POMERIUM_CLIENT_CERT_PASSWORD", none.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> testbed.factory().clientCertificatePkcs12(dir.resolve("absent.p12"), passwordFile));
    assertTrue(missing.getMessage().startsWith("cannot read PKCS#12 file " + dir.resolve("absent.p12")),
        missing.getMessage());
    for (Exception each : new Exception[] {e, pem, missing}) {
      assertFalse(each.getMessage().contains("wrong-secret-guess") || each.getMessage().contains(PASSWORD),
          each.getMessage());
    }
  }

  @Test
  void settingsNameTheFileWithItsPasswordFileOrPasswordAndAWrongOneNamesTheSetting() throws Exception {
    Path p12 = Pkcs12Files.openssl(agent, dir.resolve("client.p12"), passwordFile);
    Map<String, String> settings = new HashMap<>(Map.of("jgit.pomerium.clientCertPkcs12", p12.toString(),
        "jgit.pomerium.clientCertPasswordFile", passwordFile.toString()));
    PomeriumSshSessionFactory.Builder fromFile = PomeriumSshSessionFactory.builderFromSettings(settings::get);
    settings.remove("jgit.pomerium.clientCertPasswordFile");
    settings.put("jgit.pomerium.clientCertPassword", PASSWORD);
    PomeriumSshSessionFactory.Builder fromValue = PomeriumSshSessionFactory.builderFromSettings(settings::get);
    for (PomeriumSshSessionFactory.Builder builder : List.of(fromFile, fromValue)) {
      try (PomeriumSshSessionFactory pomerium = builder.route(Testbed.HOST + ":22").pomeriumUrl(testbed.gateway.url())
          .addCaCertificatesPem(testbed.gateway.caCertificatePem()).token(Testbed.TOKEN).build()) {
        pomerium.openTunnel(Testbed.HOST, 22).close();
      }
      assertEquals("CN=build-agent", lastClientSubject());
    }
    settings.put("jgit.pomerium.clientCertPassword", "wrong-secret-guess");
    InvalidSettingException wrong =
        assertThrows(InvalidSettingException.class, () -> PomeriumSshSessionFactory.builderFromSettings(settings::get));
    assertEquals("jgit.pomerium.clientCertPkcs12", wrong.setting());
    assertTrue(wrong.getMessage().contains("the password for " + p12 + " is wrong"), wrong.getMessage());
    assertFalse(wrong.getMessage().contains("wrong-secret-guess"), wrong.getMessage());
  }

  @Test
  void aFilterWithoutAKeyStoreIsRefusedAtBuild() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> testbed.factory().clientCertificateSubject("CN=build-agent").build());
    assertEquals("a client certificate issuer or subject filter (CN=build-agent) chooses among the certificates of a "
        + "PKCS#12 file or the platform certificate store, and neither is configured", e.getMessage());
  }

  @Test
  void aFileWithoutAKeyOrWhoseFiltersMatchNothingSaysWhatItHolds() throws Exception {
    Path p12 = Pkcs12Files.openssl(agent, dir.resolve("client.p12"), passwordFile);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> testbed.factory().clientCertificatePkcs12(p12, passwordFile).clientCertificateSubject("CN=someone")
            .build());
    assertTrue(e.getMessage().startsWith("no certificate in " + p12 + " matching subject CN=someone: it holds "
        + "CN=build-agent (issuer "), e.getMessage());
    Path withoutKey = Pkcs12Files.opensslCertificateOnly(agent, dir.resolve("nokeys.p12"), passwordFile);
    IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
        () -> testbed.factory().clientCertificatePkcs12(withoutKey, passwordFile));
    // (The JDK does not list the certificates of an OpenSSL -nokeys file, so the message cannot name them.)
    assertEquals(withoutKey + " holds no private key with its certificate: export it with the key, e.g. openssl "
        + "pkcs12 -export -in cert.pem -inkey key.pem -out nokeys.p12", noKey.getMessage());
  }

  @Test
  void anExpiredCertificateIsStillPresentedAsOpensslWouldAndTheLogSaysWhenItExpired() throws Exception {
    Instant expiry = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    ClientCertificate expired =
        testbed.gateway.issueClientCertificate("expired-agent", expiry.minus(Duration.ofDays(30)), expiry);
    Path p12 = Pkcs12Files.openssl(expired, dir.resolve("client.p12"), passwordFile);
    try (CapturedLog log = new CapturedLog();
        PomeriumSshSessionFactory pomerium = testbed.factory().clientCertificatePkcs12(p12, passwordFile).build()) {
      assertEquals(1, log.count("WARN " + PomeriumLoggers.TLS + " - the client certificate CN=expired-agent in " + p12
          + " expired at " + expiry + ": Pomerium will likely refuse it"), log.text());
      // The server decides, as with OpenSSL: this one refuses the handshake.
      PomeriumException refused = assertThrows(PomeriumException.class, () -> pomerium.openTunnel(Testbed.HOST, 22));
      assertFalse(refused.getMessage().contains(PASSWORD), refused.getMessage());
    }
  }

  @Test
  void thePlatformStorePathPresentsTheChosenEntryThroughARealHandshake() throws Exception {
    KeyStore standIn = KeyStore.getInstance("PKCS12");
    standIn.load(null, null);
    ClientCertificate someoneElse = testbed.gateway.issueClientCertificate("someone-else");
    standIn.setKeyEntry("someone-else", someoneElse.privateKey(), ClientKeyStores.PLATFORM_KEY_PASSWORD,
        new X509Certificate[] {someoneElse.certificate()});
    standIn.setKeyEntry("build-agent", agent.privateKey(), ClientKeyStores.PLATFORM_KEY_PASSWORD,
        new X509Certificate[] {agent.certificate()});
    try (PomeriumSshSessionFactory pomerium = testbed.factory()
        .clientCertificateFromStore(ClientKeyStores.store("Windows-MY", () -> standIn))
        .clientCertificateSubject("CN=build-agent").build()) {
      pomerium.openTunnel(Testbed.HOST, 22).close();
    }
    assertEquals("CN=build-agent", lastClientSubject());
  }
}
