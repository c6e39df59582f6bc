package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.Pkcs12Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's client certificates from key stores, against a gateway that refuses TLS without a certificate
 * from its CA: a PKCS#12 file made by openssl with its password in a file or the environment (never a flag value),
 * and pomerium-cli's platform-store flags, which this Linux machine cannot follow.
 */
class ClientCertificateCommandTest {
  private static final String PASSWORD = "p12-password-in-a-file";
  @TempDir Path dir;
  private CliTestbed testbed;
  private Path p12;
  private Path passwordFile;

  @BeforeEach
  void start() throws Exception {
    testbed = CliTestbed.start(dir, gateway -> gateway.requireClientCertificate(true));
    passwordFile = Pkcs12Files.writePassword(dir.resolve("p12.password"), PASSWORD);
    p12 = Pkcs12Files.openssl(testbed.gateway.issueClientCertificate("laptop"), dir.resolve("laptop.p12"),
        passwordFile);
  }

  @AfterEach
  void stop() {
    testbed.close();
  }

  private List<String> refs() {
    String head = testbed.initialHead.name();
    return List.of(head + "\tHEAD", head + "\trefs/heads/main");
  }

  @Test
  void lsRemoteWithAPkcs12FileAndItsPasswordFile() {
    int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI, "--client-cert-pkcs12",
        p12.toString(), "--client-cert-password-file", passwordFile.toString()));

    assertEquals(0, status, testbed.err());
    assertEquals(refs(), testbed.out().lines().toList());
    assertEquals("CN=laptop",
        testbed.gateway.requests().get(testbed.gateway.requestCount() - 1).clientCertificateSubject());
  }

  @Test
  void aWrongPasswordFailsWithOneLineNamingTheFile() throws Exception {
    Path wrong = Pkcs12Files.writePassword(dir.resolve("wrong.password"), "not-the-password");

    int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI, "--client-cert-pkcs12",
        p12.toString(), "--client-cert-password-file", wrong.toString()));

    assertEquals(2, status, testbed.err()); // as every option whose file cannot be used
    assertEquals("", testbed.out());
    String line = testbed.errorLine();
    assertTrue(line.contains("the password for " + p12 + " is wrong"), line);
    assertFalse(testbed.err().contains("not-the-password"), testbed.err());
  }

  @Test
  void noPasswordGivenIsToldApartFromAWrongOneAndAPemFileSaysWhichFlagsTakeIt() throws Exception {
    int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI, "--client-cert-pkcs12",
        p12.toString()));

    assertEquals(2, status, testbed.err());
    assertEquals("jgit-pomerium: " + p12 + " needs a password: give --client-cert-password-file FILE or "
        + "JGIT_POMERIUM_CLIENT_CERT_PASSWORD(_FILE)", testbed.errorLine());

    Path pem = dir.resolve("laptop.p12.cert.pem");
    status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI, "--client-cert-pkcs12",
        pem.toString(), "--client-cert-password-file", passwordFile.toString()));

    assertEquals(2, status, testbed.err());
    assertEquals("jgit-pomerium: " + pem + " is not a PKCS#12 file (it looks like PEM: use "
        + "--client-cert/--client-key)", testbed.errorLine());
    assertFalse(testbed.err().contains("toDerInputStream"), testbed.err());
    assertEquals(0, testbed.gateway.requestCount());
  }

  /** A process of its own: the environment variable is the way to give the password without a file. */
  @Test
  void thePasswordFromTheEnvironment() throws Exception {
    try (ChildProcesses processes = new ChildProcesses(dir.resolve("processes"), testbed.home)) {
      List<String> args = new ArrayList<>(List.of("ls-remote", CliTestbed.URI, "--client-cert-pkcs12", p12.toString()));
      args.addAll(testbed.pomeriumFlags());
      ChildProcesses.Result result = processes.run(dir, Map.of("JGIT_POMERIUM_CLIENT_CERT_PASSWORD", PASSWORD,
          "JGIT_POMERIUM_TOKEN_CACHE", testbed.tokenCache.toString()),
          CliProcess.jgitPomerium(testbed.home, args.toArray(new String[0])));

      assertEquals(0, result.exitCode(), result.describe());
      assertEquals(refs(), result.stdout().lines().toList());
      assertFalse(result.stderr().contains(PASSWORD), result.stderr());
    }
  }

  @Test
  void pomeriumClisStoreFlagsInAProxyCommandFailOnLinuxSayingWhatToUseInstead() throws Exception {
    testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  " + testbed.proxyCommand().replace(" %h:%p",
        " --client-cert-from-store --client-cert-subject CN=laptop %h:%p") + "\n");

    int status = testbed.run("ls-remote", CliTestbed.URI);

    assertEquals(1, status, testbed.err());
    assertEquals("", testbed.out());
    String line = testbed.errorLine();
    assertTrue(line.contains("the platform certificate stores (KeychainStore on macOS, Windows-MY on Windows) are not "
        + "available on Linux: use a PEM client certificate and key, or a PKCS#12 file"), line);
    assertEquals(0, testbed.gateway.requestCount(), "nothing is sent without the certificate the line asks for");
  }

  @Test
  void withoutAClientCertificateTheErrorSaysPomeriumAskedForOneAndWhichFlagsGiveIt() {
    int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI));

    assertEquals(1, status, testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.contains(": Pomerium at localhost:" + testbed.gateway.port() + " asked for a client certificate "
        + "and none was given (for git.corp.example.com:22; TLS: "), line);
    assertTrue(line.endsWith("); give one with --client-cert FILE --client-key FILE, --client-cert-pkcs12 FILE, or "
        + "--client-cert-from-store"), line);
    assertFalse(line.contains("--alternate-ca-path"), line);
  }

  @Test
  void anExpiredClientCertificateIsNamedWithItsExpiryInTheErrorAndTheDoctorsFixWithoutVerbose() throws Exception {
    Instant expired = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
    Path cert = dir.resolve("old.pem");
    Path key = dir.resolve("old-key.pem");
    testbed.gateway.issueClientCertificate("old-laptop", expired.minus(Duration.ofDays(90)), expired)
        .writeTo(cert, key);
    String fix = "renew the client certificate, or give the one Pomerium expects (--client-cert FILE --client-key "
        + "FILE, --client-cert-pkcs12 FILE, or --client-cert-from-store)";

    int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI, "--client-cert", cert.toString(),
        "--client-key", key.toString()));

    assertEquals(1, status, testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.contains(" refused the client certificate CN=old-laptop: it expired at " + expired), line);
    assertTrue(line.endsWith("; " + fix), line);

    status = testbed.run(testbed.withPomeriumFlags("doctor", CliTestbed.URI, "--client-cert", cert.toString(),
        "--client-key", key.toString()));

    assertEquals(1, status, testbed.out() + testbed.err());
    List<String> last = testbed.out().lines().skip(testbed.out().lines().count() - 2).toList();
    assertTrue(last.get(0).startsWith("FAILED at TLS: Pomerium at localhost:" + testbed.gateway.port()
        + " refused the client certificate CN=old-laptop: it expired at " + expired), testbed.out());
    assertEquals("fix: " + fix, last.get(1));
  }
}
