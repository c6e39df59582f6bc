package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.GatewayResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a user reads when a clone fails: one {@code jgit-pomerium: } line on standard error that says what went wrong
 * and what to do, no stack trace unless {@code --verbose}, a non-zero exit status, and no half-made directory.
 */
class FailureMessagesTest extends CliTestbedTest {
  private Path target;

  @BeforeEach
  void target() {
    target = testbed.path("clone");
  }

  @Test
  void deniedCloneExitsNonZeroWithOneLineAndLeavesNoDirectory() {
    testbed.gateway.enqueue(GatewayResponse.forbidden());

    int status = testbed.run(testbed.withPomeriumFlags("clone", CliTestbed.URI, target.toString()));

    assertEquals(1, status, testbed.err());
    assertEquals("", testbed.out());
    String line = testbed.errorLine();
    assertTrue(line.startsWith("jgit-pomerium: Pomerium denied access to git.corp.example.com:22"), line);
    assertTrue(line.contains("HTTP 403"), line);
    List<String> others = testbed.err().lines().filter(l -> !l.equals(line)).toList();
    assertTrue(others.stream().allMatch(l -> l.startsWith("Cloning into ")), testbed.err());
    assertFalse(Files.exists(target), "a failed clone leaves no directory behind");
    assertEquals(1, testbed.gateway.requestCount(), "a denial is not retried");
  }

  @Test
  void deniedCloneWithVerbosePrintsTheStackTraceToo() {
    testbed.gateway.enqueue(GatewayResponse.forbidden());

    int status = testbed.run(testbed.withPomeriumFlags("clone", "--verbose", CliTestbed.URI, target.toString()));

    assertEquals(1, status, testbed.err());
    assertEquals("", testbed.out());
    assertTrue(testbed.err().contains("jgit-pomerium: Pomerium denied access to git.corp.example.com:22"),
        testbed.err());
    assertTrue(testbed.err().contains("\tat "), testbed.err());
    assertTrue(testbed.err().contains("PomeriumAccessDeniedException"), testbed.err());
    assertFalse(Files.exists(target));
  }

  @Test
  void cloneOfAPortWithoutARouteSaysWhichRouteAndPortAreMissing() {
    String uri = "ssh://git@" + CliTestbed.HOST + ":2222/" + CliTestbed.REPOSITORY;

    int status = testbed.run(testbed.withPomeriumFlags("clone", uri, target.toString()));

    assertEquals(1, status, testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.contains("has no TCP route for git.corp.example.com:2222 (HTTP 404"), line);
    assertTrue(line.contains("tcp+https://git.corp.example.com:2222"), line);
    assertTrue(line.contains("SSH port (2222)"), line);
    assertFalse(Files.exists(target));
  }

  @Test
  void scriptedNotFoundIsReportedAsAMissingRoute() {
    testbed.gateway.enqueue(GatewayResponse.notFound());

    int status = testbed.run(testbed.withPomeriumFlags("clone", CliTestbed.URI, target.toString()));

    assertEquals(1, status, testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.contains("has no TCP route for git.corp.example.com:22 (HTTP 404"), line);
    assertTrue(line.contains("SSH port (22)"), line);
  }

  @Test
  void untrustedPomeriumCertificateNamesTheHostAndTheAlternateCaPathFlag() {
    int status = testbed.run("clone", "--pomerium-url", testbed.gateway.url(), "--service-account",
        CliTestbed.TOKEN, CliTestbed.URI, target.toString());

    assertEquals(1, status, testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.startsWith("jgit-pomerium: TLS handshake with Pomerium at "), line);
    assertTrue(line.contains(CliTestbed.HOST), line);
    assertTrue(line.contains("--alternate-ca-path"), line);
    assertFalse(line.contains("jgit.pomerium.caFile"), "the library's hint is replaced by the flag: " + line);
    assertFalse(Files.exists(target));
    assertEquals(0, testbed.gateway.requestCount(), "no CONNECT (and no token) was sent to an unverified server");
  }

  @Test
  void changedHostKeyIsReportedWithOpenSshsWarning() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    testbed.writeKnownHosts(PublicKeyEntry.toString(generator.generateKeyPair().getPublic()));

    int status = testbed.run(testbed.withPomeriumFlags("clone", CliTestbed.URI, target.toString()));

    assertNotEquals(0, status);
    String line = testbed.errorLine();
    assertEquals("jgit-pomerium: the SSH host key of " + CliTestbed.HOST + " has changed:", line);
    assertTrue(testbed.err().contains("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!"), testbed.err());
    assertTrue(testbed.err().contains("Offending ECDSA key in "), testbed.err());
    assertFalse(Files.exists(target));
  }

  @Test
  void routeFlagsThatDoNotNameTheHostAreRefusedRatherThanConnectingAnotherWay() {
    int status = testbed.run(testbed.withPomeriumFlags("clone", "--route", "other.corp.example.com:22",
        CliTestbed.URI, target.toString()));

    assertEquals(1, status, testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.startsWith("jgit-pomerium: no Pomerium route for git.corp.example.com:22: --route names only "
        + "other.corp.example.com:22; add --route git.corp.example.com:22"), line);
    assertFalse(Files.exists(target));
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void anUnroutedHostThatCannotBeReachedFailsWithTheConnectionErrorNotAPomeriumOne() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    int status = testbed.run("-v", "clone", "ssh://git@127.0.0.1:" + closedPort + "/" + CliTestbed.REPOSITORY,
        target.toString());

    assertEquals(1, status, testbed.err());
    assertTrue(testbed.err().contains("jgit-pomerium: 127.0.0.1:" + closedPort + " directly"), testbed.err());
    String line = testbed.err().lines().filter(l -> l.startsWith("jgit-pomerium: ") && !l.endsWith(" directly"))
        .findFirst().orElseThrow();
    assertTrue(line.contains("127.0.0.1") && line.contains("Connection refused"), line);
    assertFalse(line.contains("Pomerium"), line);
    assertFalse(Files.exists(target));
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void aProxyCommandWithABadPercentEscapeIsNamedByItsLineWithoutItsTokenOrProxyPassword() throws Exception {
    // A percent-encoded proxy password written as in a URL: in ssh config its '%' must be '%%'.
    testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  ProxyCommand pomerium-cli tcp --listen - --pomerium-url "
        + testbed.gateway.url() + " --service-account=svc-acct-SECRET --forward-proxy=http://u:p%40ss@127.0.0.1:1"
        + " %h:%p\n");
    int status = testbed.run("ls-remote", CliTestbed.URI);
    assertNotEquals(0, status);
    assertTrue(testbed.errorLine().endsWith(".ssh/config line 2: ProxyCommand has an unknown escape %4 (write %% for"
        + " a literal %)"), testbed.err());
    assertFalse(testbed.err().contains("SECRET") || testbed.err().contains("p%40ss"), testbed.err());
  }

  @Test
  void aMistypedFlagOfAPomeriumCliLineIsNamedWithoutTheTokenItWasMeantToCarryEvenVerbose() throws Exception {
    String token = "svc-acct-SECRET-TOKEN-1234";
    testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  ProxyCommand pomerium-cli tcp --listen - --pomerium-url "
        + testbed.gateway.url() + " --service-acount " + token + " %h:%p\n");
    for (String command : List.of("ls-remote", "doctor", "keyscan")) {
      String target = command.equals("ls-remote") ? CliTestbed.URI : CliTestbed.HOST;
      int status = testbed.run("-v", command, target);
      String all = testbed.out() + testbed.err();
      assertNotEquals(0, status, command + ": " + all);
      assertTrue(all.contains("the pomerium-cli ProxyCommand has an unknown flag --service-acount (pomerium-cli would"
          + " refuse it too)"), command + ": " + all);
      assertFalse(all.contains(token) || all.contains("SECRET"), command + ": " + all);
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void sshConfigProxyCommandForAnotherHostDoesNotRouteThisOne() throws Exception {
    testbed.ssh.writeKnownHosts(testbed.sshDirectory.resolve("known_hosts"), "127.0.0.1");
    testbed.writeSshConfig("Host other.corp.example.com\n  " + testbed.proxyCommand() + "\n\n"
        + "Host " + CliTestbed.HOST + "\n  HostName 127.0.0.1\n  Port " + testbed.ssh.port() + "\n");

    int status = testbed.run("-v", "clone", CliTestbed.URI, target.toString());

    assertEquals(0, status, testbed.err());
    assertTrue(testbed.err().contains("jgit-pomerium: 127.0.0.1:" + testbed.ssh.port() + " directly"), testbed.err());
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void withoutATokenANonInteractiveRunFailsFastAndSaysHowToProvideOne() {
    long start = System.nanoTime();

    int status = testbed.run("clone", "--pomerium-url", testbed.gateway.url(), "--alternate-ca-path",
        testbed.caFile.toString(), CliTestbed.URI, target.toString());

    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(1, status, testbed.err());
    String line = testbed.errorLine();
    assertTrue(line.contains("requires sign-in for git.corp.example.com:22"), line);
    assertTrue(line.contains("Provide a token"), line);
    assertTrue(elapsed.compareTo(Duration.ofSeconds(10)) < 0, "took " + elapsed);
    assertEquals(0, testbed.gateway.loginApiCount(), "no browser sign-in was started");
    assertEquals(0, testbed.gateway.signInCount());
    assertFalse(Files.exists(target));
  }
}
