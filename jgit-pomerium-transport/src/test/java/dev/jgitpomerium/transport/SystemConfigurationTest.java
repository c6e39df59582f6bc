package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.internal.config.FactoryRuntime;
import dev.jgitpomerium.transport.internal.config.SystemConfiguration;
import dev.jgitpomerium.transport.internal.proxy.ProxyChoice;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SystemConfigurationTest {

  private static FactoryRuntime settings(Map<String, String> properties, Map<String, String> environment) {
    return SettingValues.apply(PomeriumSshSessionFactory.builder(),
        SystemConfiguration.read(properties::get, environment::get)).settings();
  }

  @Test
  void readsRoutesPomeriumUrlAndTimeouts() {
    FactoryRuntime s = settings(Map.of(
        "jgit.pomerium.routes", "git.corp.example.com:22, tcp+https://bastion.example.com/other.example.com:2222",
        "jgit.pomerium.url", "https://pomerium.corp.example.com:8443",
        "jgit.pomerium.connectTimeout", "500ms"), Map.of("JGIT_POMERIUM_RESPONSE_TIMEOUT", "PT20S"));
    assertEquals(List.of(Route.parse("git.corp.example.com:22", "https://pomerium.corp.example.com:8443"),
            Route.parse("other.example.com:2222", "https://pomerium.corp.example.com:8443")), s.routes());
    assertEquals(Duration.ofMillis(500), s.connectTimeout());
    assertEquals(Duration.ofSeconds(20), s.responseTimeout());
  }

  @Test
  void readsServerAliveSettingsAndLeavesThemUnsetOtherwise() {
    FactoryRuntime s = settings(Map.of("jgit.pomerium.serverAliveInterval", "15s"),
        Map.of("JGIT_POMERIUM_SERVER_ALIVE_COUNT_MAX", "5"));
    assertEquals(Duration.ofSeconds(15), s.serverAliveInterval());
    assertEquals(5, s.serverAliveCountMax());
    FactoryRuntime unset = settings(Map.of(), Map.of());
    assertNull(unset.serverAliveInterval(), "unset, so that ~/.ssh/config can decide");
    assertNull(unset.serverAliveCountMax());
  }

  @Test
  void theForwardProxyComesFromTheEnvironmentAndIsNamedSoInMessages() throws Exception {
    FactoryRuntime s = settings(Map.of(), Map.of("JGIT_POMERIUM_FORWARD_PROXY", "http://u:p@proxy.corp:3128"));
    ProxyChoice choice = s.forwardProxies().choose(PomeriumEndpoint.of("pomerium.corp.example.com", 443));
    assertEquals("through the proxy http://***@proxy.corp:3128 (from jgit.pomerium.forwardProxy (or"
        + " JGIT_POMERIUM_FORWARD_PROXY))", choice.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> settings(Map.of("jgit.pomerium.forwardProxy", "gopher://u:s3cret@proxy"), Map.of()));
    assertTrue(e.getMessage().contains("jgit.pomerium.forwardProxy (or JGIT_POMERIUM_FORWARD_PROXY)"),
        e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
  }

  @Test
  void environmentVariablesApplyWhenThePropertyIsUnset() {
    FactoryRuntime s = settings(Map.of(), Map.of("JGIT_POMERIUM_ROUTES", "git.corp.example.com:22"));
    assertEquals(List.of(Route.parse("git.corp.example.com:22")), s.routes());
  }

  @Test
  void propertyWinsOverTheEnvironment() {
    FactoryRuntime s = settings(Map.of("jgit.pomerium.connectTimeout", "3"),
        Map.of("JGIT_POMERIUM_CONNECT_TIMEOUT", "9"));
    assertEquals(Duration.ofSeconds(3), s.connectTimeout());
  }

  @Test
  void nothingSetMeansNoRoutesSoJGitBehavesAsStock() {
    assertTrue(settings(Map.of(), Map.of()).routes().isEmpty());
  }

  @Test
  void anInvalidValueNamesItsKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> settings(Map.of("jgit.pomerium.url", "pomerium.example.com"), Map.of()));
    assertTrue(e.getMessage().contains("jgit.pomerium.url (or JGIT_POMERIUM_URL)"), e.getMessage());
    IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
        () -> settings(Map.of("jgit.pomerium.connectTimeout", "soon"), Map.of()));
    assertTrue(timeout.getMessage().contains("jgit.pomerium.connectTimeout"), timeout.getMessage());
  }

  @Test
  void signInSettingsComeFromPropertiesAndEnvironmentToo() {
    FactoryRuntime s = settings(Map.of(
        "jgit.pomerium.routes", "git.corp.example.com:22",
        "jgit.pomerium.tokenCache", "memory",
        "jgit.pomerium.noBrowser", "true",
        "jgit.pomerium.interactive", "false",
        "jgit.pomerium.signInTimeout", "2m",
        "jgit.pomerium.tokenCommand", "pomerium-cli auth https://pomerium.corp.example.com:443"),
        Map.of("JGIT_POMERIUM_BEARER_TOKEN", "idp-token"));
    assertTrue(s.tokenStore() instanceof dev.jgitpomerium.transport.internal.token.MemoryTokenStore, s.tokenStore()
        .toString());
  }

  @Test
  void aBooleanSettingMustBeTrueOrFalse() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> settings(Map.of("jgit.pomerium.interactive", "sometimes"), Map.of()));
    assertTrue(e.getMessage().contains("jgit.pomerium.interactive (or JGIT_POMERIUM_INTERACTIVE): expected true or "
        + "false"), e.getMessage());
  }

  @Test
  void aClientKeyWithoutACertificateIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> settings(Map.of("jgit.pomerium.clientKey", "/tmp/key.pem"), Map.of()));
    assertTrue(e.getMessage().contains("jgit.pomerium.clientCert"), e.getMessage());
  }

  @Test
  void settingsFromAKeyValueSourceAreReadByTheirNamesAndNeverFromTheEnvironment() {
    List<String> asked = new java.util.ArrayList<>();
    Map<String, String> source = Map.of(
        "jgit.pomerium.routes", "git.corp.example.com:22",
        "jgit.pomerium.url", "https://pomerium.corp.example.com",
        "jgit.pomerium.connectTimeout", "2m",
        "jgit.pomerium.tokenCache", "memory");
    FactoryRuntime s = PomeriumSshSessionFactory.builderFromSettings(name -> {
      asked.add(name);
      return source.get(name);
    }).settings();
    assertEquals(List.of(Route.parse("git.corp.example.com:22", "https://pomerium.corp.example.com")), s.routes());
    assertEquals(Duration.ofMinutes(2), s.connectTimeout());
    assertTrue(s.tokenStore() instanceof dev.jgitpomerium.transport.internal.token.MemoryTokenStore);
    // Every setting is asked for by its name, the tokens too (they have no system property, but a key-value source
    // such as Spring's may hold them); no environment variable name is ever asked for.
    assertTrue(asked.containsAll(List.of("jgit.pomerium.token", "jgit.pomerium.bearerToken",
        "jgit.pomerium.tokenFile", "jgit.pomerium.caFile", "jgit.pomerium.serverAliveCountMax")), asked.toString());
    assertTrue(asked.stream().allMatch(name -> name.startsWith("jgit.pomerium.")), asked.toString());
  }

  @Test
  void anInvalidSettingFromAKeyValueSourceIsTypedAndNamesOnlyTheSetting() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class,
        () -> PomeriumSshSessionFactory.builderFromSettings(
            Map.of("jgit.pomerium.caFile", "/nonexistent/ca.pem")::get));
    assertEquals("jgit.pomerium.caFile", e.setting());
    assertTrue(e.reason().startsWith("cannot read CA certificate file /nonexistent/ca.pem"), e.reason());
    assertEquals("invalid jgit-pomerium setting jgit.pomerium.caFile: " + e.reason(), e.getMessage());
    InvalidSettingException fromSystem = assertThrows(InvalidSettingException.class,
        () -> settings(Map.of("jgit.pomerium.caFile", "/nonexistent/ca.pem"), Map.of()));
    assertEquals("jgit.pomerium.caFile", fromSystem.setting());
    assertTrue(fromSystem.getMessage().contains("jgit.pomerium.caFile (or JGIT_POMERIUM_CA_FILE): cannot read"),
        fromSystem.getMessage());
  }

  @Test
  void anInvalidTokenIsReportedWithoutItsValue() {
    InvalidSettingException e = assertThrows(InvalidSettingException.class,
        () -> PomeriumSshSessionFactory.builderFromSettings(
            Map.of("jgit.pomerium.token", "secret-part\u0001rest")::get));
    assertEquals("jgit.pomerium.token", e.setting());
    assertTrue(!e.getMessage().contains("secret-part"), e.getMessage());
  }

  @Test
  void aMisspeltNameIsNamedWithTheSettingItResembles() {
    assertEquals(List.of(
            "unknown jgit-pomerium environment variable JGIT_POMERIUM_ROUTE (did you mean JGIT_POMERIUM_ROUTES?)",
            "unknown jgit-pomerium system property jgit.pomerium.tokenfile (did you mean jgit.pomerium.tokenFile?)"),
        SystemConfiguration.unknownNames(Map.of("JGIT_POMERIUM_ROUTE", "git.corp.example.com:22", "HOME", "/home/me",
            "JGIT_POMERIUM_URL", "https://pomerium.corp.example.com"),
            java.util.Set.of("jgit.pomerium.tokenfile", "jgit.pomerium.caFile", "jgit.pomerium.enabled", "user.home")));
  }

  @Test
  void aTokenGivenAsASystemPropertyIsPointedToTheVariableOrTheFileNotToAnotherSetting() {
    assertEquals(List.of("there is no system property jgit.pomerium.token (it would show in process listings): use the"
            + " environment variable JGIT_POMERIUM_TOKEN or the file setting jgit.pomerium.tokenFile"),
        SystemConfiguration.unknownNames(Map.of(), java.util.Set.of("jgit.pomerium.token")));
  }
}
