package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jgitpomerium.transport.internal.config.SystemConfiguration;
import dev.jgitpomerium.transport.internal.token.WorkloadIdentity;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CI identity token settings from system properties, the environment and a key-value source. */
class CiIdentitySettingsTest {

  private static WorkloadIdentity identity(Map<String, String> properties, Map<String, String> environment) {
    return SettingValues.apply(PomeriumSshSessionFactory.builder(),
        SystemConfiguration.read(properties::get, environment::get)).config().workloadIdentity();
  }

  @Test
  void gitHubsTokenIsAskedForOnlyWhenConfiguredWithThePomeriumUrlOrTheGivenAudience() {
    assertNull(identity(Map.of(), Map.of("ACTIONS_ID_TOKEN_REQUEST_URL", "https://example.com/x?api-version=2.0")),
        "the runner's variables alone do not turn it on");
    assertEquals(new WorkloadIdentity.GitHubActions(null), identity(Map.of(), Map.of("JGIT_POMERIUM_GITHUB_OIDC",
        "true")));
    assertEquals(new WorkloadIdentity.GitHubActions("pomerium-ci"), identity(Map.of("jgit.pomerium.githubOidc",
        "yes"), Map.of("JGIT_POMERIUM_GITHUB_OIDC_AUDIENCE", "pomerium-ci")));
    assertEquals(new WorkloadIdentity.GitHubActions("pomerium-ci"), identity(Map.of(),
        Map.of("JGIT_POMERIUM_GITHUB_OIDC_AUDIENCE", "pomerium-ci")), "an audience implies it");
    assertNull(identity(Map.of(), Map.of("JGIT_POMERIUM_GITHUB_OIDC", "false")));
  }

  @Test
  void anEnvironmentVariableAndAKubernetesTokenFileAreNamedBySettings() {
    assertEquals(new WorkloadIdentity.EnvironmentVariable("CIRCLE_OIDC_TOKEN_V2"),
        identity(Map.of(), Map.of("JGIT_POMERIUM_BEARER_TOKEN_ENV", "CIRCLE_OIDC_TOKEN_V2")));
    assertEquals(new WorkloadIdentity.KubernetesTokenFile(Path.of("/var/run/secrets/tokens/pomerium")),
        identity(Map.of("jgit.pomerium.kubernetesTokenFile", "/var/run/secrets/tokens/pomerium"), Map.of()));
    assertEquals(new WorkloadIdentity.EnvironmentVariable("POMERIUM_ID_TOKEN"),
        SettingValues.apply(PomeriumSshSessionFactory.builder(), SystemConfiguration.fromSettings(
            Map.of("jgit.pomerium.bearerTokenEnv", "POMERIUM_ID_TOKEN")::get)).config().workloadIdentity());
  }

  @Test
  void twoIdentityTokenSettingsAtOnceAreRefusedNamingBoth() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> identity(Map.of(),
        Map.of("JGIT_POMERIUM_BEARER_TOKEN_FILE", "/run/idp", "JGIT_POMERIUM_GITHUB_OIDC", "true")));
    assertEquals("invalid jgit-pomerium setting jgit.pomerium.githubOidc (or JGIT_POMERIUM_GITHUB_OIDC): conflicts "
        + "with jgit.pomerium.bearerTokenFile (or JGIT_POMERIUM_BEARER_TOKEN_FILE): both name the identity-provider "
        + "token sent as Bearer; set only one", e.getMessage());
    assertEquals("jgit.pomerium.githubOidc", e.setting());
    InvalidSettingException off = assertThrows(InvalidSettingException.class, () -> identity(Map.of(),
        Map.of("JGIT_POMERIUM_GITHUB_OIDC", "false", "JGIT_POMERIUM_GITHUB_OIDC_AUDIENCE", "aud")));
    assertEquals("invalid jgit-pomerium setting jgit.pomerium.githubOidc (or JGIT_POMERIUM_GITHUB_OIDC): is false, "
        + "but jgit.pomerium.githubOidcAudience (or JGIT_POMERIUM_GITHUB_OIDC_AUDIENCE) asks for GitHub's OIDC token",
        off.getMessage());
  }

  @Test
  void theBuilderChecksNamesAndAudiencesAtOnce() {
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builder();
    assertEquals("not an environment variable name: 'MY TOKEN'", assertThrows(IllegalArgumentException.class,
        () -> builder.bearerTokenFromEnvironment("MY TOKEN")).getMessage());
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> builder.githubActionsOidcToken(" "));
    assertEquals("the GitHub Actions OIDC audience is empty: give the audience the Pomerium route expects (or none, "
        + "for the Pomerium URL)", empty.getMessage());
    InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> identity(Map.of(),
        Map.of("JGIT_POMERIUM_GITHUB_OIDC_AUDIENCE", "pomerium\u00e9")));
    assertEquals("invalid jgit-pomerium setting jgit.pomerium.githubOidcAudience (or "
        + "JGIT_POMERIUM_GITHUB_OIDC_AUDIENCE): the GitHub Actions OIDC audience contains a character that is not "
        + "visible ASCII at index 8", e.getMessage());
  }

  @Test
  void aServiceAccountTokenAndAnIdentityTokenSettingAtOnceAreRefusedNamingBoth() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> identity(Map.of(),
        Map.of("JGIT_POMERIUM_TOKEN_FILE", "/run/svc", "JGIT_POMERIUM_KUBERNETES_TOKEN_FILE", "/run/k8s")));
    assertEquals("invalid jgit-pomerium setting jgit.pomerium.kubernetesTokenFile (or "
        + "JGIT_POMERIUM_KUBERNETES_TOKEN_FILE): conflicts with jgit.pomerium.tokenFile (or JGIT_POMERIUM_TOKEN_FILE): "
        + "both name the token sent to Pomerium (the service-account token would always be the one sent); set only one",
        e.getMessage());
  }

  @Test
  void inTheBuilderAnIdentityTokenAndAServiceAccountTokenReplaceEachOtherAsTheLaterOneGiven() {
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builder().tokenFile(Path.of("/run/svc"))
        .githubActionsOidcToken();
    assertEquals(new WorkloadIdentity.GitHubActions(null), builder.config().workloadIdentity());
    assertNull(builder.config().serviceAccount(), "the flag replaces the environment's service account");
    builder.token("svc-token");
    assertNull(builder.config().workloadIdentity());
    assertEquals("service-account token", builder.config().serviceAccount().name());
  }
}
