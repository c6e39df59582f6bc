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

      // Without credentials, the advice is the environment, not the flag (process listings show flags).
      assertNotEquals(0, testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI,
          "--forward-proxy", proxy.url("http"))));
      assertTrue(testbed.err().contains("; give the proxy's user name and password in the environment variable"
          + " JGIT_POMERIUM_FORWARD_PROXY (http://user:password@" + proxy.authority() + ") instead of --forward-proxy"
          + " (which takes precedence over it and shows in process listings)"), testbed.err());
    }
  }

  @Test
  void aForwardProxyUrlThatCannotBeParsedIsRefusedWithoutAnyPartOfItsPassword() {
    int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI,
        "--forward-proxy", "http://alice:s3cret/x@127.0.0.1:3129"));
    assertNotEquals(0, status);
    assertTrue(testbed.err().contains("the user name or password in proxy URL 'http://***@127.0.0.1:3129' holds a"
        + " '/', '?' or '#': percent-encode them (%2F, %3F, %23)"), testbed.err());
    assertFalse(testbed.err().contains("s3cret"), testbed.err());
  }

  @Test
  void loginThroughARefusingProxyIsTheProxyFailureNotAnInternalClass() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTP).requireCredentials("alice", "pw-s3cret")) {
      testbed.setProperty("jgit.pomerium.interactive", "true");
      testbed.setProperty("jgit.pomerium.browserCommand", "false");
      int status = testbed.run("login", testbed.gateway.url(), "--alternate-ca-path", testbed.caFile.toString(),
          "--forward-proxy", "http://alice:wrong-s3cret@" + proxy.authority());
      assertNotEquals(0, status);
      assertEquals("jgit-pomerium: the proxy " + proxy.authority() + " (from --forward-proxy) refused CONNECT "
          + pomerium() + " (HTTP 407 Proxy Authentication Required): proxy authentication required (for "
          + pomerium() + "); check the credentials in --forward-proxy", testbed.errorLine());
    }
  }

  @Test
  void anHttpsProxysTlsFailureNamesTheCommandLinesCaFlag() throws Exception {
    try (FakeForwardProxy proxy = proxy(FakeForwardProxy.Kind.HTTPS);
        FakeForwardProxy plain = proxy(FakeForwardProxy.Kind.HTTP)) {
      assertNotEquals(0, testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI,
          "--forward-proxy", proxy.url("https"))));
      assertTrue(testbed.err().contains("if the proxy's certificate comes from a private CA, pass that CA's"
          + " certificate with --alternate-ca-path <ca.pem>; check that --forward-proxy names the proxy as its"
          + " certificate does"), testbed.err());
      assertFalse(testbed.err().contains("addCaCertificates"), testbed.err());

      assertNotEquals(0, testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI,
          "--forward-proxy", "https://" + plain.authority())));
      assertEquals("jgit-pomerium: the proxy at " + plain.authority() + " (from --forward-proxy) does not speak TLS"
          + " (for " + CliTestbed.HOST + ":22); write http:// instead of https:// in --forward-proxy",
          testbed.errorLine());
    }
  }
}
