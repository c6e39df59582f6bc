package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.GitHubActionsTokenEndpoint;
import dev.jgitpomerium.testkit.JwtIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CI identity tokens sent as {@code Authorization: Bearer} to a gateway that verifies them as a Pomerium route with
 * {@code bearer_token_format: jwt} does (signature, issuer, audience, expiry): GitHub Actions' OIDC token from a
 * stand-in of its token endpoint, a token in an environment variable, a projected Kubernetes token file.
 */
// Every operation here opens its own tunnel (noConnectionReuse): what is tested happens when a tunnel opens.
class CiIdentityTokensTest extends TestbedTest {
  private static final String AUDIENCE = "https://pomerium.corp.example.com";

  private GitHubActionsTokenEndpoint github;
  private final JwtIssuer gitlab = new JwtIssuer("https://gitlab.corp.example.com");
  private final JwtIssuer kubernetes = new JwtIssuer("https://kubernetes.default.svc.cluster.local");
  private final Map<String, String> environment = new ConcurrentHashMap<>();

  @BeforeEach
  void startTokenEndpoint() throws Exception {
    github = GitHubActionsTokenEndpoint.start();
    NoSecretsInLog.register(github.requestToken());
  }

  /** The gateway becomes a route with bearer_token_format: jwt that trusts the three issuers. */
  private void trustIssuers() {
    testbed.gateway.trustJwtIssuer(github.issuer(), testbed.gateway.url());
    testbed.gateway.trustJwtIssuer(gitlab, AUDIENCE);
    testbed.gateway.trustJwtIssuer(kubernetes, AUDIENCE);
  }

  @AfterEach
  void stopTokenEndpoint() {
    github.close();
    for (JwtIssuer issuer : List.of(github.issuer(), gitlab, kubernetes)) {
      issuer.mintedTokens().forEach(NoSecretsInLog::register);
    }
  }

  /** A factory of a CI job: no token but what the builder names, this test's environment, both CAs. */
  private PomeriumSshSessionFactory.Builder ciFactory() {
    return testbed.unattendedSignInFactory(environment::get).noConnectionReuse()
        .addCaCertificatesPem(github.caCertificatePem());
  }

  private void lsRemote(PomeriumSshSessionFactory pomerium) throws Exception {
    Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
  }

  private String bearerSent(int request) {
    return testbed.gateway.requests().get(request).authorization();
  }

  @Test
  void aGitHubActionsJobClonesWithAnOidcTokenRequestedForThePomeriumUrlAtEveryConnection() throws Exception {
    trustIssuers();
    environment.putAll(github.environment());
    try (PomeriumSshSessionFactory pomerium = ciFactory().githubActionsOidcToken().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      lsRemote(pomerium);
    }
    List<GitHubActionsTokenEndpoint.Request> requests = github.requests();
    assertEquals(2, requests.size(), "one token request per connection: " + requests);
    for (GitHubActionsTokenEndpoint.Request request : requests) {
      assertTrue(request.authorized(), "the request token was sent");
      assertEquals(testbed.gateway.url(), request.audience());
      assertTrue(request.pathAndQuery().contains("?api-version=2.0&audience="), request.pathAndQuery());
    }
    assertEquals("Bearer " + github.issuer().mintedTokens().get(0), bearerSent(0));
    assertEquals("Bearer " + github.issuer().mintedTokens().get(1), bearerSent(1));
    assertEquals(List.of(), testbed.gateway.bearerRejections());
  }

  @Test
  void aTokenForAnotherAudienceIsRefusedByPomeriumAndTheErrorNamesTheAudienceAndWhatTheRouteNeeds() {
    trustIssuers();
    environment.putAll(github.environment());
    try (PomeriumSshSessionFactory pomerium =
        ciFactory().githubActionsOidcToken("https://other.example.com").build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      PomeriumException failure = PomeriumException.causeOf(e).orElseThrow();
      assertInstanceOf(PomeriumAccessDeniedException.class, failure);
      assertTrue(failure.getMessage().contains("(HTTP 403 Forbidden) for the bearer JWT sent (issuer "
          + GitHubActionsTokenEndpoint.ISSUER + ", audience https://other.example.com, subject "
          + GitHubActionsTokenEndpoint.SUBJECT + ", expires "), failure.getMessage());
      String hint = failure.hint().orElseThrow();
      assertTrue(hint.contains("identity_providers has an entry for this issuer whose audiences include this "
          + "audience"), hint);
    }
    assertEquals("https://other.example.com", github.requests().get(0).audience());
    assertEquals(List.of("token audience does not match any allowed audience"), testbed.gateway.bearerRejections());
  }

  @Test
  void withoutTheRunnersVariablesTheErrorSaysToGrantIdTokenWrite() {
    trustIssuers();
    try (PomeriumSshSessionFactory pomerium = ciFactory().githubActionsOidcToken().build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      PomeriumException failure = PomeriumException.causeOf(e).orElseThrow();
      assertEquals("could not get a token for Pomerium at localhost:" + testbed.gateway.port() + " (for "
          + Testbed.HOST + ":22): GitHub Actions OIDC: ACTIONS_ID_TOKEN_REQUEST_URL is not set, so no identity token "
          + "can be requested. Add `permissions: id-token: write` to the workflow or the job (GitHub sets the variable "
          + "only then, and never for pull requests from forks), and run this inside a GitHub Actions job.",
          failure.getMessage());
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void theTokenEndpointsRefusalAndFailureAreNamedWithTheirStatus() {
    trustIssuers();
    environment.putAll(github.environment());
    environment.put("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "expired-request-token");
    NoSecretsInLog.register("expired-request-token");
    try (PomeriumSshSessionFactory pomerium = ciFactory().githubActionsOidcToken().build()) {
      String refused = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(refused.contains("GitHub's OIDC token endpoint at 127.0.0.1 answered HTTP 401 to the request for the "
          + "GitHub Actions OIDC token. GitHub refused ACTIONS_ID_TOKEN_REQUEST_TOKEN: it is valid only while its job "
          + "runs, and the job needs `permissions: id-token: write`."), refused);
      assertFalse(refused.contains("expired-request-token"), refused);

      environment.put("ACTIONS_ID_TOKEN_REQUEST_TOKEN", github.requestToken());
      github.failNext(503);
      String failed = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(failed.contains("answered HTTP 503 to the request for the GitHub Actions OIDC token. GitHub's token "
          + "service failed; run the job again later."), failed);
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void disablingTlsVerificationForPomeriumStillVerifiesGitHubsEndpoint() {
    trustIssuers();
    environment.putAll(github.environment());
    try (PomeriumSshSessionFactory pomerium = testbed.unattendedSignInFactory(environment::get).noConnectionReuse()
        .disableTlsVerification().githubActionsOidcToken().build()) {
      String message = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(message.contains("could not request the GitHub Actions OIDC token from GitHub's OIDC token endpoint "
          + "at 127.0.0.1: javax.net.ssl.SSLHandshakeException"), message);
    }
    assertEquals(List.of(), github.requests(), "the request token never reached an unverified server");
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void aHostnameMismatchAtGitHubsEndpointIsOneLineNamingTheHost() throws Exception {
    trustIssuers();
    try (GitHubActionsTokenEndpoint elsewhere = GitHubActionsTokenEndpoint.startWithCertificateFor(
        "token.actions.githubusercontent.com")) {
      environment.putAll(elsewhere.environment());
      NoSecretsInLog.register(elsewhere.requestToken());
      try (PomeriumSshSessionFactory pomerium = testbed.unattendedSignInFactory(environment::get).noConnectionReuse()
          .addCaCertificatesPem(elsewhere.caCertificatePem()).githubActionsOidcToken().build()) {
        PomeriumException failure = PomeriumException.causeOf(assertThrows(TransportException.class,
            () -> lsRemote(pomerium))).orElseThrow();
        assertEquals("could not get a token for Pomerium at localhost:" + testbed.gateway.port() + " (for "
            + Testbed.HOST + ":22): could not request the GitHub Actions OIDC token from GitHub's OIDC token endpoint "
            + "at 127.0.0.1: javax.net.ssl.SSLPeerUnverifiedException: Hostname 127.0.0.1 not verified. The "
            + "certificate it presented is not for 127.0.0.1: check ACTIONS_ID_TOKEN_REQUEST_URL, and whether a proxy "
            + "on the way answers in its place.", failure.getMessage());
      }
      assertEquals(List.of(), elsewhere.requests(), "the request token never reached the wrong server");
    }
  }

  @Test
  void aTokenInAnEnvironmentVariableIsReadAgainForEachConnection() throws Exception {
    trustIssuers();
    String first = gitlab.mint("project_path:group/project:ref_type:branch:ref:main", AUDIENCE);
    String second = gitlab.mint("project_path:group/project:ref_type:branch:ref:release", AUDIENCE);
    try (PomeriumSshSessionFactory pomerium = ciFactory().bearerTokenFromEnvironment("POMERIUM_ID_TOKEN").build()) {
      String unset = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(unset.contains("the environment variable POMERIUM_ID_TOKEN is not set or empty. Have the CI job "
          + "put its OIDC token there (GitLab: id_tokens: POMERIUM_ID_TOKEN: aud: ...;"), unset);
      environment.put("POMERIUM_ID_TOKEN", first);
      lsRemote(pomerium);
      environment.put("POMERIUM_ID_TOKEN", second);
      lsRemote(pomerium);
    }
    assertEquals("Bearer " + first, bearerSent(0));
    assertEquals("Bearer " + second, bearerSent(1));
  }

  @Test
  void aKubernetesTokenFileRewrittenBetweenConnectionsIsSentAnewAndAnExpiredOneIsNamed() throws Exception {
    trustIssuers();
    String subject = "system:serviceaccount:ci:builder";
    String first = kubernetes.mint(subject, AUDIENCE);
    String second = kubernetes.mint(subject, AUDIENCE, Instant.now().plusSeconds(600), Map.of());
    String expired = kubernetes.mint(subject, AUDIENCE, Instant.now().minusSeconds(3600), Map.of());
    Path token = Files.writeString(dir.resolve("token"), first);
    try (PomeriumSshSessionFactory pomerium = ciFactory().kubernetesServiceAccountToken(token).build()) {
      lsRemote(pomerium);
      Files.writeString(token, second);
      lsRemote(pomerium);
      Files.writeString(token, expired);
      String message = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(message.contains("the Kubernetes service-account token in " + token + " expired at "), message);
    }
    assertEquals("Bearer " + first, bearerSent(0));
    assertEquals("Bearer " + second, bearerSent(1));
    assertEquals(2, testbed.gateway.requestCount());
  }

  @Test
  void aTokenThatExpiredSecondsAgoIsNeverSent() throws Exception {
    trustIssuers();
    Path token = Files.writeString(dir.resolve("token"),
        kubernetes.mint("system:serviceaccount:ci:builder", AUDIENCE, Instant.now().minusSeconds(20), Map.of()));
    try (PomeriumSshSessionFactory pomerium = ciFactory().kubernetesServiceAccountToken(token).build()) {
      String message = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(message.matches("(?s).*the Kubernetes service-account token in " + java.util.regex.Pattern.quote(
          token.toString()) + " expired at \\S+Z \\(\\d+ s ago\\), so it is not sent\\. The kubelet renews.*"),
          message);
    }
    assertEquals(0, testbed.gateway.requestCount(), "an expired token never reaches Pomerium");
  }

  @Test
  void aBearerTokenThatIsNotAJwtIsSentAndPomeriumsRefusalSaysTheRouteTakesOnlyJwts() {
    trustIssuers();
    String opaque = "gho_16C7e42F292c6912E7710c838347Ae178B4a";
    NoSecretsInLog.register(opaque);
    environment.put("POMERIUM_ID_TOKEN", opaque);
    try (PomeriumSshSessionFactory pomerium = ciFactory().bearerTokenFromEnvironment("POMERIUM_ID_TOKEN").build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      PomeriumException failure = PomeriumException.causeOf(e).orElseThrow();
      assertInstanceOf(PomeriumAccessDeniedException.class, failure);
      assertTrue(failure.getMessage().contains("(HTTP 403 Forbidden): the bearer token sent is not a JWT; a route "
          + "with bearer_token_format: jwt only accepts JWTs; give the CI's OIDC identity token (a JWT)"),
          failure.getMessage());
      assertFalse(failure.getMessage().contains("policy"), failure.getMessage());
      assertFalse(failure.getMessage().contains(opaque), failure.getMessage());
    }
    assertEquals("Bearer " + opaque, bearerSent(0), "an opaque token is sent: idp_access_token routes may take it");
    assertEquals(List.of("token is not a JWT"), testbed.gateway.bearerRejections());
  }

  @Test
  void aMissingKubernetesTokenFileSaysWhatToMount() {
    trustIssuers();
    Path missing = dir.resolve("var/run/secrets/tokens/pomerium");
    try (PomeriumSshSessionFactory pomerium = ciFactory().kubernetesServiceAccountToken(missing).build()) {
      String message = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(message.contains("token file " + missing + " does not exist. Mount a projected serviceAccountToken "
          + "volume there"), message);
    }
  }

  @Test
  void aKubernetesTokenFileHoldingSomethingElseSaysToCheckWhatWritesItNotToMountIt() throws Exception {
    trustIssuers();
    Path garbled = Files.writeString(dir.resolve("garbled-token"), "eyJhbGciOi JSUzI1NiJ9\n");
    try (PomeriumSshSessionFactory pomerium = ciFactory().kubernetesServiceAccountToken(garbled).build()) {
      String message = assertThrows(TransportException.class, () -> lsRemote(pomerium)).getMessage();
      assertTrue(message.contains("token file " + garbled + " does not hold a token"), message);
      assertTrue(message.contains("A projected serviceAccountToken file holds one JWT and nothing else: check what "
          + "writes this file."), message);
      assertFalse(message.contains("Mount a projected"), message);
    }
    assertEquals(0, testbed.gateway.requestCount(), "nothing was sent");
  }

  @Test
  void aRouteThatTakesNoBearerJwtsAsksForSignInAndTheErrorSaysWhatTheRouteNeeds() {
    environment.put("POMERIUM_ID_TOKEN", gitlab.mint("project_path:group/project", AUDIENCE));
    try (PomeriumSshSessionFactory pomerium = ciFactory().bearerTokenFromEnvironment("POMERIUM_ID_TOKEN").build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      PomeriumException failure = PomeriumException.causeOf(e).orElseThrow();
      assertInstanceOf(PomeriumSignInRequiredException.class, failure);
      assertTrue(failure.getMessage().contains("(HTTP 401): Pomerium did not accept the identity token in the "
          + "environment variable POMERIUM_ID_TOKEN (issuer https://gitlab.corp.example.com, audience " + AUDIENCE
          + ", subject project_path:group/project, expires "), failure.getMessage());
      assertTrue(failure.getMessage().contains("The route must verify it: bearer_token_format: jwt on the route, and "
          + "an identity_providers entry in Pomerium's configuration with this issuer"), failure.getMessage());
    }
    assertEquals(1, testbed.gateway.requestCount(), "the same token is not sent twice");
  }

  @Test
  void theIdentityTokenSettingsAreOneSettingAndTheLastOneWins() throws Exception {
    trustIssuers();
    environment.put("POMERIUM_ID_TOKEN", gitlab.mint("project_path:group/project", AUDIENCE));
    try (PomeriumSshSessionFactory pomerium = ciFactory().bearerToken("static-idp-token")
        .kubernetesServiceAccountToken(dir.resolve("absent")).bearerTokenFromEnvironment("POMERIUM_ID_TOKEN")
        .build()) {
      lsRemote(pomerium);
    }
    assertEquals("Bearer " + environment.get("POMERIUM_ID_TOKEN"), bearerSent(0));
  }
}
