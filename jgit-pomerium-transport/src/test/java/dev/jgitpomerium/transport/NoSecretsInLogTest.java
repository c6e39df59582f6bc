package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The suite-wide log check sees our debug output and recognises what it must. */
class NoSecretsInLogTest {

  @Test
  void capturesOurDebugLogging() {
    LoggerFactory.getLogger("dev.jgitpomerium.transport.check").debug("capture probe 8c1f");
    assertTrue(NoSecretsInLog.captured().contains("capture probe 8c1f"));
  }

  @Test
  void recognisesRegisteredTokensMintedTokensHeadersAndUnredactedCallbacks() {
    NoSecretsInLog.register("registered-secret-value");
    assertEquals("[main] DEBUG x - sent <secret>", NoSecretsInLog.findLeak(
        "ok line\n[main] DEBUG x - sent registered-secret-value\n"));
    assertEquals("got <secret>", NoSecretsInLog.findLeak("got jwt-3-abcdefghijklmnop"));
    assertEquals("<secret>", NoSecretsInLog.findLeak("Authorization: Pomerium x"));
    assertEquals("GET /callback/x?<secret>", NoSecretsInLog.findLeak("GET /callback/x?pomerium_jwt=abc"));
    assertNull(NoSecretsInLog.findLeak("GET /callback/x?pomerium_jwt=<redacted>&state=1"));
  }
}
