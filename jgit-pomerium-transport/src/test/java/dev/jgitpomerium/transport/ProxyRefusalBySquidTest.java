package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.SquidProxy;
import java.time.Duration;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.Test;

/**
 * A real proxy's refusal, in the library: Debian's squid answers a wrong Basic password with 407, and the program
 * gets the typed {@link PomeriumProxyException} naming the proxy and its status, with no credentials, before
 * Pomerium (whose name only squid resolves) is asked anything.
 */
class ProxyRefusalBySquidTest extends TestbedTest {
  private static final String POMERIUM = "pomerium.refusing-proxy.test";
  private static final String WRONG_PASSWORD = "wrong-squid-password";

  static {
    NoSecretsInLog.register(WRONG_PASSWORD);
  }

  @Test
  void squidRefusingAWrongPasswordIsAPomeriumProxyExceptionWithItsStatus407() throws Exception {
    restartTestbed("named", gateway -> gateway.hostNames(POMERIUM));
    String authority = POMERIUM + ":" + testbed.gateway.port();
    try (SquidProxy squid = SquidProxy.builder().hostsEntry(POMERIUM, "127.0.0.1")
        .basicAuthentication("alice", "right-squid-password").start();
        PomeriumSshSessionFactory factory = testbed.factory().pomeriumUrl("https://" + authority)
            .forwardProxy(squid.httpUrl("alice", WRONG_PASSWORD)).responseTimeout(Duration.ofSeconds(10)).build()) {
      TransportException e = assertThrows(TransportException.class,
          () -> Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(factory).call());

      PomeriumException cause = PomeriumException.causeOf(e).orElseThrow(() -> new AssertionError(e));
      PomeriumProxyException refusal = assertInstanceOf(PomeriumProxyException.class, cause);
      String proxy = "127.0.0.1:" + squid.address().getPort();
      assertEquals(proxy, refusal.proxy());
      assertEquals(407, refusal.proxyStatusCode());
      assertTrue(refusal.getMessage().startsWith("the proxy " + proxy + " ("), refusal.getMessage());
      assertTrue(refusal.getMessage().contains(") refused CONNECT " + authority
          + " (HTTP 407 Proxy Authentication Required): proxy authentication required"), refusal.getMessage());
      assertFalse(refusal.getMessage().contains(WRONG_PASSWORD), refusal.getMessage());
      assertEquals(1, squid.awaitRequests(r -> r.isConnectTo(authority) && r.status() == 407, 1,
          Duration.ofSeconds(10)).size(), squid::log);
      assertEquals(0, testbed.gateway.requestCount(), "Pomerium was never asked");
    }
  }
}
