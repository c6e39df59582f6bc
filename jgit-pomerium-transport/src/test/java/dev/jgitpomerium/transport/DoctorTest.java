package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.FakeForwardProxy;
import dev.jgitpomerium.testkit.GatewayResponse;
import dev.jgitpomerium.transport.Diagnosis.Check;
import dev.jgitpomerium.transport.Diagnosis.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.junit.jupiter.api.Test;

/**
 * {@link PomeriumSshSessionFactory#diagnose} names the step where a connection fails, with the failure the connection
 * itself would report and the fix, for each fault of the fault tests; and walks a working connection to the end.
 */
class DoctorTest extends TestbedTest {

  private Diagnosis diagnose(PomeriumSshSessionFactory.Builder builder, String target) {
    try (PomeriumSshSessionFactory factory = builder.build()) {
      return factory.diagnose(target);
    }
  }

  /** The first failed step is {@code check}, every later one skipped, and the verdict names it. */
  private static Diagnosis.Step failedAt(Diagnosis diagnosis, Check check) {
    assertFalse(diagnosis.ok(), diagnosis.toString());
    Diagnosis.Step failed = diagnosis.firstFailure().orElseThrow();
    assertEquals(check, failed.check(), diagnosis.toString());
    assertTrue(diagnosis.verdict().startsWith("FAILED at " + check + ": "), diagnosis.verdict());
    for (Diagnosis.Step step : diagnosis.steps()) {
      if (step.check().ordinal() > check.ordinal()) {
        assertEquals(Outcome.SKIPPED, step.outcome(), step.toString());
      } else if (step.check().ordinal() < check.ordinal()) {
        assertTrue(step.outcome() != Outcome.FAILED && step.outcome() != Outcome.SKIPPED, step.toString());
      }
    }
    assertTrue(failed.fix().isPresent(), failed.toString());
    return failed;
  }

  private static String details(Diagnosis.Step step) {
    return String.join("\n", step.details());
  }

  @Test
  void aWorkingConnectionPassesEveryStepAndSaysWhatEachSaw() throws Exception {
    Diagnosis diagnosis = diagnose(testbed.factory(), Testbed.URI);

    assertTrue(diagnosis.ok(), diagnosis.toString());
    // The testkit's certificates are valid for a day: the doctor warns of what expires within 14.
    assertEquals("OK with warnings: a connection to git.corp.example.com would work", diagnosis.verdict(),
        diagnosis.toString());
    assertEquals(List.of(Check.values()), diagnosis.steps().stream().map(Diagnosis.Step::check).toList());
    for (Diagnosis.Step step : diagnosis.steps()) {
      assertEquals(step.check() == Check.TLS ? Outcome.WARNING : Outcome.PASSED, step.outcome(), step.toString());
    }
    String config = details(diagnosis.step(Check.SSH_CONFIG));
    assertTrue(config.contains("HostName git.corp.example.com (as given)"), config);
    assertTrue(config.contains("User git (as given)"), config);
    assertTrue(config.contains("route: through Pomerium at " + testbed.gateway.url() + " to git.corp.example.com:22 "
        + "(configured route)"), config);
    assertTrue(details(diagnosis.step(Check.DNS)).startsWith("localhost: "), diagnosis.toString());
    assertTrue(details(diagnosis.step(Check.TCP)).contains(":" + testbed.gateway.port()), diagnosis.toString());
    String tls = details(diagnosis.step(Check.TLS));
    assertTrue(tls.startsWith("TLSv1.3, TLS_AES_128_GCM_SHA256"), tls);
    assertTrue(tls.contains("the certificate is trusted and valid for localhost"), tls);
    assertTrue(tls.contains("certificate 0: CN=localhost, issued by CN=jgit-pomerium testkit CA"), tls);
    assertTrue(tls.contains("certificate 0 (CN=localhost) expires "), tls);
    assertEquals("have Pomerium's certificate renewed before it expires",
        diagnosis.step(Check.TLS).fix().orElseThrow());
    String token = details(diagnosis.step(Check.TOKEN));
    assertTrue(token.startsWith("from service-account token, sent as Authorization: Pomerium"), token);
    assertFalse(diagnosis.toString().contains(Testbed.TOKEN), "the token itself never appears");
    assertEquals("CONNECT git.corp.example.com:22: HTTP 200 OK: tunnel open",
        details(diagnosis.step(Check.CONNECT)));
    assertTrue(details(diagnosis.step(Check.SSH_BANNER)).startsWith("SSH-2.0-"), diagnosis.toString());
    String fingerprint = KeyUtils.getFingerPrint(BuiltinDigests.sha256, testbed.ssh.hostPublicKey());
    String hostKey = details(diagnosis.step(Check.HOST_KEY));
    assertTrue(hostKey.contains(fingerprint), hostKey);
    assertTrue(hostKey.contains("Host 'git.corp.example.com' is known and matches the "), hostKey);
    assertTrue(hostKey.contains("Found key in " + testbed.sshDirectory.resolve("known_hosts") + ":1"), hostKey);
  }

  @Test
  void noRouteAtTheGatewayFailsAtConnectWithTheRouteToCheck() {
    Diagnosis diagnosis = diagnose(testbed.factory().route("unrouted.corp.example.com:22"),
        "git@unrouted.corp.example.com:group/project.git");
    Diagnosis.Step failed = failedAt(diagnosis, Check.CONNECT);
    assertInstanceOf(PomeriumRouteNotFoundException.class, failed.failure().orElseThrow());
    assertEquals("check that a route 'from: tcp+https://unrouted.corp.example.com:22' exists; its port is the SSH "
        + "port (22), not Pomerium's port (" + testbed.gateway.port() + ")", failed.fix().orElseThrow());
    assertTrue(details(failed).contains("HTTP 404"), details(failed));
  }

  @Test
  void anUntrustedGatewayCertificateFailsAtTlsWithTheCaToAdd() {
    Diagnosis diagnosis = diagnose(PomeriumSshSessionFactory.builder().route(Testbed.HOST + ":22")
        .pomeriumUrl(testbed.gateway.url()).token(Testbed.TOKEN).homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()), Testbed.URI);
    Diagnosis.Step failed = failedAt(diagnosis, Check.TLS);
    assertInstanceOf(PomeriumTlsException.class, failed.failure().orElseThrow());
    assertEquals("if Pomerium uses a private CA, add its certificate (addCaCertificates, or jgit.pomerium.caFile)",
        failed.fix().orElseThrow());
    assertEquals(Outcome.PASSED, diagnosis.step(Check.TCP).outcome());
    // What the gateway presented, which no CA this factory trusts signed.
    assertTrue(details(failed).contains("\npresented certificate 0: CN=localhost, issued by CN=jgit-pomerium testkit "
        + "CA"), details(failed));
    assertEquals(0, testbed.gateway.requestCount(), "something was sent over an untrusted connection");
  }

  @Test
  void aDeniedAccountFailsAtConnectWithTheAdministratorToAsk() {
    testbed.gateway.enqueue(GatewayResponse.forbidden());
    Diagnosis.Step failed = failedAt(diagnose(testbed.factory(), Testbed.URI), Check.CONNECT);
    assertInstanceOf(PomeriumAccessDeniedException.class, failed.failure().orElseThrow());
    assertEquals("ask the route's administrator for access (signing in again will not help)",
        failed.fix().orElseThrow());
  }

  @Test
  void withNoTokenItSaysSoNeverSignsInAndShowsThatPomeriumAsksForOne() {
    Diagnosis diagnosis = diagnose(testbed.signInFactory(), Testbed.URI);
    Diagnosis.Step token = diagnosis.step(Check.TOKEN);
    assertEquals(Outcome.WARNING, token.outcome(), token.toString());
    assertTrue(details(token).startsWith("no token: none from the token cache (" + testbed.tokenCache + ")"),
        details(token));
    Diagnosis.Step failed = failedAt(diagnosis, Check.CONNECT);
    PomeriumSignInRequiredException e =
        assertInstanceOf(PomeriumSignInRequiredException.class, failed.failure().orElseThrow());
    assertEquals("Pomerium at localhost:" + testbed.gateway.port() + " requires sign-in for git.corp.example.com:22 "
        + "(HTTP 302): no token was available", e.what());
    assertEquals("sign in (signIn(endpoint) on the factory), or give a token (tokenFile, bearerTokenFile or "
        + "tokenCommand; JGIT_POMERIUM_TOKEN_FILE)", failed.fix().orElseThrow());
    assertEquals(0, testbed.browser.opened(), "the doctor opened a browser");
  }

  @Test
  void aRejectedTokenFailsAtConnectWithTheTokenToRenew() {
    testbed.gateway.enqueue(GatewayResponse.unauthorized());
    Diagnosis diagnosis = diagnose(testbed.factory(), Testbed.URI);
    assertEquals(Outcome.PASSED, diagnosis.step(Check.TOKEN).outcome());
    Diagnosis.Step failed = failedAt(diagnosis, Check.CONNECT);
    PomeriumSignInRequiredException e =
        assertInstanceOf(PomeriumSignInRequiredException.class, failed.failure().orElseThrow());
    assertTrue(e.what().endsWith("(HTTP 401): the token was rejected"), e.what());
    // A configured service-account token is sent before any sign-in: signing in again would change nothing.
    assertEquals("renew the service-account token, or check that it was made for this Pomerium; signing in does not "
        + "help while it is configured", failed.fix().orElseThrow());
  }

  @Test
  void aRejectedIdentityTokenFailsAtConnectWithItsIssuerAndAudienceToCheck() {
    testbed.gateway.enqueue(GatewayResponse.unauthorized());
    Diagnosis.Step failed = failedAt(diagnose(PomeriumSshSessionFactory.builder().route(Testbed.HOST + ":22")
        .pomeriumUrl(testbed.gateway.url()).addCaCertificatesPem(testbed.gateway.caCertificatePem())
        .bearerToken(Testbed.TOKEN).tokenStore(TokenStore.inMemory()).homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()), Testbed.URI), Check.CONNECT);
    assertEquals("check the token's issuer and audience against what the route accepts (Pomerium rejected the bearer "
        + "token); signing in does not help while it is configured", failed.fix().orElseThrow());
  }

  @Test
  void withNoTokenUnderCiTheFixNamesTheCiTokensNotASignIn() {
    Diagnosis diagnosis = diagnose(testbed.signInFactory().environment(Map.of("CI", "true")::get), Testbed.URI);
    String fix = "this looks like a CI run (CI is set), which never signs in: give the job's identity token "
        + "(githubActionsOidcToken, bearerTokenFromEnvironment or kubernetesServiceAccountToken) or a service-account "
        + "token (tokenFile; JGIT_POMERIUM_TOKEN_FILE)";
    assertEquals(fix, diagnosis.step(Check.TOKEN).fix().orElseThrow());
    assertEquals(fix, failedAt(diagnosis, Check.CONNECT).fix().orElseThrow());
  }

  @Test
  void anUnknownHostKeyFailsAtHostKeyInOpenSshsWordsAndRecordsNothing() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), "");
    Diagnosis diagnosis = diagnose(testbed.factory(), Testbed.URI);
    Diagnosis.Step failed = failedAt(diagnosis, Check.HOST_KEY);
    HostKeyException e = assertInstanceOf(HostKeyException.class, failed.failure().orElseThrow());
    assertEquals(HostKeyException.Kind.UNKNOWN, e.kind());
    String fingerprint = KeyUtils.getFingerPrint(BuiltinDigests.sha256, testbed.ssh.hostPublicKey());
    assertTrue(details(failed).contains("The authenticity of host 'git.corp.example.com' can't be established."),
        details(failed));
    assertEquals("check the fingerprint " + fingerprint + " with the server's administrator, then add the key to "
        + testbed.sshDirectory.resolve("known_hosts") + " (scanHostKeys(\"git.corp.example.com\", 0) gives its line)",
        failed.fix().orElseThrow());
    assertEquals("", Files.readString(testbed.sshDirectory.resolve("known_hosts")));
    assertEquals(Outcome.PASSED, diagnosis.step(Check.SSH_BANNER).outcome());
  }

  private FakeForwardProxy httpProxy() throws Exception {
    return FakeForwardProxy.start(FakeForwardProxy.Kind.HTTP,
        Map.of("localhost:" + testbed.gateway.port(), testbed.gateway.address()));
  }

  @Test
  void aProxyRefusingTheTunnelFailsAtProxyWithTheCredentialsToGive() throws Exception {
    try (FakeForwardProxy proxy = httpProxy().requireCredentials("alice", "proxy-pass")) {
      Diagnosis diagnosis = diagnose(testbed.factory().forwardProxy(proxy.url("http")), Testbed.URI);
      Diagnosis.Step failed = failedAt(diagnosis, Check.PROXY);
      PomeriumProxyException e = assertInstanceOf(PomeriumProxyException.class, failed.failure().orElseThrow());
      assertEquals(407, e.proxyStatusCode());
      assertEquals("give the proxy's user name and password in forwardProxy (http://user:password@" + proxy.authority()
          + ")",
          failed.fix().orElseThrow());
      assertTrue(details(failed).startsWith("through http://" + proxy.authority() + ", from forwardProxy\nthe proxy "
          + proxy.authority() + " (from forwardProxy) refused CONNECT localhost:" + testbed.gateway.port()
          + " (HTTP 407 Proxy Authentication Required)"), details(failed));
      assertEquals(0, testbed.gateway.requestCount());
    }
  }

  @Test
  void throughAProxyItNamesTheSettingThatChoseItAndLeavesDnsToTheProxy() throws Exception {
    try (FakeForwardProxy proxy = httpProxy().requireCredentials("alice", "proxy-pass")) {
      Diagnosis diagnosis = diagnose(testbed.factory().forwardProxy("http://alice:proxy-pass@" + proxy.authority()),
          Testbed.URI);
      assertTrue(diagnosis.ok(), diagnosis.toString());
      assertEquals("through http://***@" + proxy.authority() + ", from forwardProxy\nthe proxy opened the way to "
          + "localhost:" + testbed.gateway.port(), details(diagnosis.step(Check.PROXY)));
      assertEquals(Outcome.NOT_APPLICABLE, diagnosis.step(Check.DNS).outcome());
      assertEquals("connected to localhost:" + testbed.gateway.port() + " through the proxy at " + proxy.authority(),
          details(diagnosis.step(Check.TCP)));
      assertFalse(diagnosis.toString().contains("proxy-pass"), "the proxy's password never appears");
    }
  }

  @Test
  void aPomeriumCliProxyCommandIsFollowedInProcessAndItsTokenNeverShown() throws Exception {
    testbed.scene.writeSshConfig("Host git.corp.example.com\n  ProxyCommand pomerium-cli tcp --listen - --pomerium-url "
        + testbed.gateway.url() + " --alternate-ca-path " + testbed.scene.caFile() + " --service-account "
        + Testbed.TOKEN + " %h:%p\n");
    PomeriumSshSessionFactory.Builder noRoutes = PomeriumSshSessionFactory.builder()
        .tokenStore(TokenStore.directory(testbed.tokenCache)).homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile());
    Diagnosis diagnosis = diagnose(noRoutes, "git@git.corp.example.com:group/project.git");

    assertTrue(diagnosis.ok(), diagnosis.toString());
    String config = details(diagnosis.step(Check.SSH_CONFIG));
    assertTrue(config.contains("ProxyCommand pomerium-cli tcp --listen - --pomerium-url " + testbed.gateway.url()
        + " --alternate-ca-path " + testbed.scene.caFile() + " --service-account <redacted> %h:%p ("
        + testbed.sshDirectory.resolve("config") + " line 2)"), config);
    assertTrue(config.contains("(route from ~/.ssh/config ProxyCommand)"), config);
    assertEquals("from service-account token, sent as Authorization: Pomerium", diagnosis.step(Check.TOKEN).details()
        .get(0));
    assertFalse(diagnosis.toString().contains(Testbed.TOKEN), "the token itself never appears");
  }

  @Test
  void anyOtherProxyCommandIsShownOnceNotRunAndTheVerdictSaysNothingWasChecked() throws Exception {
    Path ran = testbed.root.resolve("ran");
    testbed.scene.writeSshConfig("Host git.corp.example.com\n  ProxyCommand touch " + ran + " -P alice:Pr0xyPass\n");
    Diagnosis diagnosis = diagnose(PomeriumSshSessionFactory.builder().homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()), "git@" + Testbed.HOST + ":x.git");

    assertFalse(diagnosis.ok(), diagnosis.toString());
    assertFalse(diagnosis.checked(), diagnosis.toString());
    assertTrue(diagnosis.firstFailure().isEmpty(), diagnosis.toString());
    assertEquals("NOT CHECKED: git.corp.example.com is reached through a ProxyCommand (see SSH_CONFIG), which doctor "
        + "does not run; run it by hand with ssh -v git@git.corp.example.com", diagnosis.verdict());
    assertEquals(Outcome.PASSED, diagnosis.step(Check.SSH_CONFIG).outcome());
    for (Diagnosis.Step step : diagnosis.steps().subList(1, diagnosis.steps().size())) {
      assertEquals(Outcome.NOT_APPLICABLE, step.outcome(), step.toString());
    }
    // As ssh -G shows it: once, where ssh config is read, never again.
    String rendered = rendered(diagnosis);
    assertEquals(1, rendered.split("Pr0xyPass", -1).length - 1, rendered);
    assertTrue(details(diagnosis.step(Check.SSH_CONFIG)).contains("ProxyCommand touch " + ran + " -P "), rendered);
    assertFalse(Files.exists(ran), "the doctor ran the ProxyCommand");
  }

  /** Everything a diagnosis shows: each step's details, failure and fix, and the verdict. */
  private static String rendered(Diagnosis diagnosis) {
    StringBuilder all = new StringBuilder(diagnosis.verdict()).append('\n');
    for (Diagnosis.Step step : diagnosis.steps()) {
      all.append(details(step)).append('\n').append(step.fix().orElse("")).append('\n');
      for (Throwable t = step.failure().orElse(null); t != null; t = t.getCause()) {
        all.append(t).append('\n');
      }
    }
    return all.toString();
  }

  @Test
  void noTokenNorProxyPasswordOfAPomeriumCliLineAppearsWhicheverWayItsFlagsAreQuoted() throws Exception {
    String password = "Pr0xy:p@ss/w%rd";
    try (FakeForwardProxy proxy = httpProxy().requireCredentials("alice", password)) {
      // ssh config doubles a URL's %: %%3A is %3A (':'), %%40 is %40 ('@'), %%2F is '/', %%25 is '%'.
      String url = "http://alice:Pr0xy%%3Ap%%40ss%%2Fw%%25rd@" + proxy.authority();
      String shownUrl = "'http://***@" + proxy.authority() + "'";
      Map<String, String> shown = new LinkedHashMap<>();
      shown.put(" --service-account " + Testbed.TOKEN + " --forward-proxy " + url,
          " --service-account <redacted> --forward-proxy " + shownUrl);
      shown.put(" --service-account=" + Testbed.TOKEN + " --forward-proxy=\"" + url + "\"",
          " --service-account=<redacted> --forward-proxy=" + shownUrl);
      shown.put(" \"--service-account\" \"" + Testbed.TOKEN + "\" --forward-proxy \"" + url + "\"",
          " \"--service-account\" <redacted> --forward-proxy " + shownUrl);
      shown.put(" \"--service-account=" + Testbed.TOKEN + "\" '--forward-proxy=" + url + "'",
          " --service-account=<redacted> --forward-proxy=" + shownUrl);
      for (Map.Entry<String, String> form : shown.entrySet()) {
        String flags = form.getKey();
        testbed.scene.writeSshConfig("Host git.corp.example.com\n  ProxyCommand pomerium-cli tcp --listen - "
            + "--pomerium-url " + testbed.gateway.url() + " --alternate-ca-path " + testbed.scene.caFile() + flags
            + " %h:%p\n");
        Diagnosis diagnosis = diagnose(PomeriumSshSessionFactory.builder()
            .tokenStore(TokenStore.directory(testbed.tokenCache)).homeDirectory(testbed.home.toFile())
            .sshDirectory(testbed.sshDirectory.toFile()), "git@git.corp.example.com:group/project.git");

        assertTrue(diagnosis.ok(), diagnosis.toString());
        String config = details(diagnosis.step(Check.SSH_CONFIG));
        assertTrue(config.contains(form.getValue() + " %h:%p ("), config);
        String rendered = rendered(diagnosis);
        for (String secret : List.of(Testbed.TOKEN, "Pr0xy", password)) {
          assertFalse(rendered.contains(secret), secret + " in " + rendered);
        }
      }
    }
  }

  @Test
  void theHostKeyProbeNeverSignsInEvenWhenPomeriumTurnsItsOwnTunnelAway() throws Exception {
    TokenStore store = TokenStore.directory(testbed.tokenCache);
    store.store(PomeriumEndpoint.parse(testbed.gateway.url()), PomeriumToken.pomerium(Testbed.TOKEN));
    testbed.gateway.enqueue(GatewayResponse.status(200)); // the doctor's own CONNECT
    testbed.gateway.enqueue(GatewayResponse.unauthorized()); // the host-key probe's
    Diagnosis diagnosis = diagnose(testbed.signInFactory(), Testbed.URI);

    Diagnosis.Step failed = failedAt(diagnosis, Check.HOST_KEY);
    assertTrue(details(failed).contains("the doctor does not sign in"), details(failed));
    assertEquals(0, testbed.browser.opened(), "the doctor opened a browser");
    assertEquals(PomeriumToken.pomerium(Testbed.TOKEN), store.load(PomeriumEndpoint.parse(testbed.gateway.url())),
        "the doctor discarded the cached token");
  }

  @Test
  void aDirectConnectionResolvesConnectsAndChecksTheKeyWithNothingOfPomerium() throws Exception {
    int port = testbed.ssh.address().getPort();
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), "[127.0.0.1]:" + port + " "
        + PublicKeyEntry.toString(testbed.ssh.hostPublicKey()) + "\n");
    Diagnosis diagnosis = diagnose(PomeriumSshSessionFactory.builder().homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()), "ssh://git@127.0.0.1:" + port + "/group/project.git");

    assertTrue(diagnosis.ok(), diagnosis.toString());
    assertEquals("OK: a connection to 127.0.0.1:" + port + " would work", diagnosis.verdict());
    assertTrue(details(diagnosis.step(Check.SSH_CONFIG)).contains("route: directly (no Pomerium route and no "
        + "ProxyCommand)"), diagnosis.toString());
    for (Check check : List.of(Check.PROXY, Check.TLS, Check.TOKEN, Check.CONNECT)) {
      assertEquals(Outcome.NOT_APPLICABLE, diagnosis.step(check).outcome(), diagnosis.toString());
    }
    assertEquals("connected to 127.0.0.1:" + port, details(diagnosis.step(Check.TCP)));
    assertTrue(details(diagnosis.step(Check.HOST_KEY)).contains("Host '[127.0.0.1]:" + port + "' is known"),
        diagnosis.toString());
  }

  @Test
  void aDirectHostThatDoesNotResolveFailsAtDnsInOpenSshsWords() {
    Diagnosis diagnosis = diagnose(PomeriumSshSessionFactory.builder().homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()), "git@nowhere.invalid:x.git");
    failedAt(diagnosis, Check.DNS);
    assertEquals("FAILED at DNS: Could not resolve hostname nowhere.invalid: Name or service not known",
        diagnosis.verdict());
  }

  @Test
  void withoutTheClientCertificatePomeriumAsksForItFailsAtTlsSayingOneIsNeeded() throws Exception {
    restartTestbed("mtls", gateway -> gateway.requireClientCertificate(true));
    Diagnosis.Step failed = failedAt(diagnose(testbed.factory(), Testbed.URI), Check.TLS);
    PomeriumTlsException e = assertInstanceOf(PomeriumTlsException.class, failed.failure().orElseThrow());
    assertTrue(e.clientCertificateRefused(), e.toString());
    assertTrue(e.what().startsWith("Pomerium at localhost:" + testbed.gateway.port() + " asked for a client "
        + "certificate and none was given (for git.corp.example.com:22; TLS: "), e.what());
    assertEquals("give one (clientCertificate(cert, key), clientCertificatePkcs12 or clientCertificateFromStore)",
        failed.fix().orElseThrow());
    assertTrue(details(failed).contains("Pomerium asked for a client certificate issued by CN=jgit-pomerium testkit CA,"
        + "OU=PomeriumGateway: none was sent"), details(failed));
  }

  @Test
  void anExpiredClientCertificateFailsAtTlsSayingWhenItExpired() throws Exception {
    restartTestbed("mtls", gateway -> gateway.requireClientCertificate(true));
    Path cert = testbed.root.resolve("client.pem");
    Path key = testbed.root.resolve("client-key.pem");
    java.time.Instant expired = java.time.Instant.now().minus(java.time.Duration.ofDays(1))
        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    testbed.gateway.issueClientCertificate("build-agent", expired.minus(java.time.Duration.ofDays(30)), expired)
        .writeTo(cert, key);

    Diagnosis.Step failed = failedAt(diagnose(testbed.factory().clientCertificate(cert, key), Testbed.URI),
        Check.TLS);
    PomeriumTlsException e = assertInstanceOf(PomeriumTlsException.class, failed.failure().orElseThrow());
    assertTrue(e.what().startsWith("Pomerium at localhost:" + testbed.gateway.port() + " refused the client "
        + "certificate CN=build-agent: it expired at " + expired + " (for git.corp.example.com:22; TLS: "), e.what());
    assertEquals("renew the client certificate, or give the one Pomerium expects (clientCertificate, "
        + "clientCertificatePkcs12 or clientCertificateFromStore)", failed.fix().orElseThrow());
    assertFalse(failed.fix().orElseThrow().contains("CA"), failed.toString());
  }

  @Test
  void aChangedHostKeysVerdictSaysWhichHostKeyAndLineNotOpenSshsBanner() throws Exception {
    Path impostor = testbed.root.resolve("impostor");
    Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", impostor.toString())
        .redirectErrorStream(true).start();
    assertEquals(0, keygen.waitFor(), new String(keygen.getInputStream().readAllBytes()));
    String[] old = Files.readString(Path.of(impostor + ".pub")).strip().split(" ");
    Path knownHosts = testbed.sshDirectory.resolve("known_hosts");
    Files.writeString(knownHosts, "# the old key\n" + Testbed.HOST + " " + old[0] + " " + old[1] + "\n");

    Diagnosis diagnosis = diagnose(testbed.factory(), Testbed.URI);

    failedAt(diagnosis, Check.HOST_KEY);
    String fingerprint = KeyUtils.getFingerPrint(BuiltinDigests.sha256, testbed.ssh.hostPublicKey());
    assertEquals("FAILED at HOST_KEY: the host key of git.corp.example.com has changed: the server offered the "
        + "ECDSA key " + fingerprint + ", and " + knownHosts
        + " line 2 holds another", diagnosis.verdict());
  }
}
