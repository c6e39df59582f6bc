package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.GitHubActionsTokenEndpoint;
import dev.jgitpomerium.testkit.JwtIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line sends CI identity tokens, configured by flags or by the environment. */
class CiIdentityCommandsTest extends CliTestbedTest {

  @Test
  void lsRemoteInAGitHubActionsJobConfiguredByTheEnvironmentSendsTheJobsOidcToken() throws Exception {
    try (GitHubActionsTokenEndpoint github = GitHubActionsTokenEndpoint.start();
        ChildProcesses processes = new ChildProcesses(dir.resolve("output"), testbed.home)) {
      testbed.gateway.trustJwtIssuer(github.issuer(), testbed.gateway.url());
      // One file for both CAs: the gateway's and the token endpoint's.
      Path cas = Files.writeString(dir.resolve("cas.pem"),
          Files.readString(testbed.caFile) + "\n" + github.caCertificatePem());
      Map<String, String> environment = new HashMap<>(github.environment());
      environment.put("JGIT_POMERIUM_GITHUB_OIDC", "true");
      ChildProcesses.Result result = processes.run(dir, environment, CliProcess.jgitPomerium(testbed.home,
          "ls-remote", CliTestbed.URI, "--pomerium-url", testbed.gateway.url(), "--alternate-ca-path", cas.toString()));
      assertEquals(0, result.exitCode(), result.describe());
      assertTrue(result.stdout().contains(testbed.initialHead.name() + "\tHEAD"), result.describe());
      assertEquals(testbed.gateway.url(), github.requests().get(0).audience());
      assertEquals("Bearer " + github.issuer().mintedTokens().get(0), testbed.gateway.requests().get(0)
          .authorization());
      for (String secret : List.of(github.requestToken(), github.issuer().mintedTokens().get(0))) {
        assertFalse(result.stdout().contains(secret) || result.stderr().contains(secret), "a token was printed");
      }
    }
  }

  @Test
  void aKubernetesTokenFileFlagSendsItsToken() throws Exception {
    JwtIssuer kubernetes = new JwtIssuer("https://kubernetes.default.svc.cluster.local");
    testbed.gateway.trustJwtIssuer(kubernetes, "pomerium");
    Path token = Files.writeString(dir.resolve("token"), kubernetes.mint("system:serviceaccount:ci:builder",
        "pomerium"));
    int status = testbed.run("ls-remote", CliTestbed.URI, "--pomerium-url", testbed.gateway.url(),
        "--alternate-ca-path", testbed.caFile.toString(), "--kubernetes-token-file", token.toString());
    assertEquals(0, status, testbed.err());
    assertEquals("Bearer " + Files.readString(token), testbed.gateway.requests().get(0).authorization());
  }

  @Test
  void twoIdentityTokenFlagsAreAUsageError() {
    int status = testbed.run("ls-remote", CliTestbed.URI, "--pomerium-url", testbed.gateway.url(), "--github-oidc",
        "--bearer-token-env", "CI_JOB_JWT");
    assertEquals(2, status, testbed.err());
    assertEquals("jgit-pomerium: --github-oidc, --bearer-token-env and --kubernetes-token-file each name the identity "
        + "token to send: give only one", testbed.errorLine());
  }

  @Test
  void aServiceAccountFlagWithAnIdentityTokenFlagIsAUsageErrorNamingBoth() throws Exception {
    Path serviceAccount = Files.writeString(dir.resolve("svc"), "svc-token");
    int status = testbed.run("ls-remote", CliTestbed.URI, "--pomerium-url", testbed.gateway.url(), "--github-oidc",
        "--service-account-file", serviceAccount.toString());
    assertEquals(2, status, testbed.err());
    assertEquals("jgit-pomerium: --github-oidc and --service-account-file name two tokens to send: give only one",
        testbed.errorLine());
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void anEmptyAudienceNamesTheFlag() {
    int status = testbed.run("ls-remote", CliTestbed.URI, "--pomerium-url", testbed.gateway.url(),
        "--github-oidc-audience", "");
    assertEquals(2, status, testbed.err());
    assertEquals("jgit-pomerium: --github-oidc-audience is empty: give the audience the Pomerium route expects",
        testbed.errorLine());
  }

  /** Flags win over the environment, as for every setting; the log says which token source was dropped. */
  @Test
  void anIdentityTokenFlagReplacesTheEnvironmentsAndTheVerboseLogSaysSo() throws Exception {
    JwtIssuer kubernetes = new JwtIssuer("https://kubernetes.default.svc.cluster.local");
    testbed.gateway.trustJwtIssuer(kubernetes, "pomerium");
    Path token = Files.writeString(dir.resolve("token"), kubernetes.mint("system:serviceaccount:ci:builder",
        "pomerium"));
    try (ChildProcesses processes = new ChildProcesses(dir.resolve("output"), testbed.home)) {
      ChildProcesses.Result result = processes.run(dir, Map.of("JGIT_POMERIUM_GITHUB_OIDC", "true"),
          CliProcess.jgitPomerium(testbed.home, "-v", "ls-remote", CliTestbed.URI, "--pomerium-url",
              testbed.gateway.url(), "--alternate-ca-path", testbed.caFile.toString(), "--kubernetes-token-file",
              token.toString()));
      assertEquals(0, result.exitCode(), result.describe());
      assertTrue(result.stderr().contains("the Kubernetes service-account token in " + token + " replaces the GitHub "
          + "Actions OIDC token given earlier"), result.describe());
    }
    assertEquals("Bearer " + Files.readString(token), testbed.gateway.requests().get(0).authorization());
  }
}
