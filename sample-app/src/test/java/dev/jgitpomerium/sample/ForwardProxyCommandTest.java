package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.FakeForwardProxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --forward-proxy}, on the command line and on a pomerium-cli ProxyCommand line, sends the Pomerium hop
 * through the proxy; a refusal is printed naming the proxy and the flag, never the proxy's password.
 */
class ForwardProxyCommandTest extends CliTestbedTest {
  private FakeForwardProxy proxy(FakeForwardProxy.Kind kind) throws Exception {
    return FakeForwardProxy.start(kind, Map.of(pomerium(), testbed.gateway.address()));
  }

  private String pomerium() {
    return "localhost:" + testbed.gateway.port();
  }

  @Test
  void cloneGoesThroughTheProxyGivenWithForwardProxy() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireCredentials("alice", "pw-s3cret")) {
      Path target = testbed.path("clone");
      int status = testbed.run(testbed.withPomeriumFlags("clone", CliTestbed.URI, target.toString(),
          "--forward-proxy", "http://alice:pw-s3cret@" + proxy.authority()));
      assertEquals(0, status, testbed.err());
      assertEquals(List.of(new FakeForwardProxy.Request(pomerium(), 0, "alice", true)), proxy.requests());
      assertEquals(CliTestbed.HOST + ":22", testbed.gateway.requests().get(0).target());
    }
  }

  @Test
  void aPomeriumCliProxyCommandLinesForwardProxyIsFollowed() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.SOCKS5)) {
      testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  " + testbed.proxyCommand().replace(" %h:%p",
          " --forward-proxy socks5h://" + proxy.authority() + " %h:%p") + "\n");
      int status = testbed.run("clone", CliTestbed.URI, testbed.path("clone").toString());
      assertEquals(0, status, testbed.err());
      assertEquals(List.of(new FakeForwardProxy.Request(pomerium(), 3, null, true)), proxy.requests());
    }
  }

  @Test
  void aRefusingProxyIsReportedNamingTheFlagAndNotThePassword() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireCredentials("alice", "pw-s3cret")) {
      int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI,
          "--forward-proxy", "http://alice:wrong-s3cret@" + proxy.authority()));
      assertNotEquals(0, status);
      assertTrue(testbed.err().contains("the proxy " + proxy.authority() + " (from --forward-proxy) refused CONNECT "
          + pomerium() + " (HTTP 407 Proxy Authentication Required): proxy authentication required"), testbed.err());
      assertTrue(testbed.err().contains("check the credentials in --forward-proxy"), testbed.err());
      assertFalse(testbed.err().contains("s3cret"), testbed.err());
      assertEquals(0, testbed.gateway.requestCount());
    }
  }
}
