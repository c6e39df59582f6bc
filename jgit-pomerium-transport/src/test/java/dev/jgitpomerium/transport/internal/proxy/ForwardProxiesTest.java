package dev.jgitpomerium.transport.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The order of choice: the explicit forward proxy, then the JVM's {@code ProxySelector} when it names a proxy, then
 * {@code HTTPS_PROXY}/{@code https_proxy}/{@code ALL_PROXY}/{@code all_proxy} with {@code NO_PROXY}; each choice
 * says why it was made.
 */
class ForwardProxiesTest {
  private static final PomeriumEndpoint POMERIUM = PomeriumEndpoint.of("pomerium.corp.example.com", 443);
  private static final ProxySelector NONE = ProxySelector.of(null);
  private static final ProxyChoice.ProxyTls TLS = new ProxyChoice.ProxyTls(() -> null, true);

  private static ProxyChoice choose(String explicit, ProxySelector jvm, Map<String, String> env) throws Exception {
    return choose(explicit, jvm, Map.of(), env);
  }

  private static ProxyChoice choose(String explicit, ProxySelector jvm, Map<String, String> properties,
      Map<String, String> env) throws Exception {
    return new ForwardProxies(explicit, "forwardProxy", () -> jvm, properties::get, env::get, TLS).choose(POMERIUM);
  }

  @Test
  void theExplicitProxyWinsOverTheJvmAndTheEnvironmentAndIgnoresNoProxy() throws Exception {
    ProxyChoice c = choose("socks5h://u:p@socks.corp:1080", ProxySelector.of(new InetSocketAddress("jvm", 8080)),
        Map.of("HTTPS_PROXY", "http://env:3128", "NO_PROXY", "*"));
    assertEquals("socks5h://***@socks.corp:1080", c.proxy().orElseThrow().toString());
    assertEquals("forwardProxy", c.source());
    assertEquals("through the proxy socks5h://***@socks.corp:1080 (from forwardProxy)", c.toString());
  }

  @Test
  void directIsAnExplicitChoiceThatOverridesTheEnvironment() throws Exception {
    ProxyChoice c = choose("direct", NONE, Map.of("HTTPS_PROXY", "http://env:3128"));
    assertTrue(c.isDirect());
    assertEquals("forwardProxy is 'direct'", c.reason());
  }

  @Test
  void theJvmsSelectorIsAskedForHttpsAndOnlyAProxyAnswerCounts() throws Exception {
    List<URI> asked = new ArrayList<>();
    ProxySelector jvm = new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        asked.add(uri);
        return List.of(Proxy.NO_PROXY, new Proxy(Proxy.Type.SOCKS, InetSocketAddress.createUnresolved("s", 1080)));
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    };
    ProxyChoice c = choose(null, jvm, Map.of("HTTPS_PROXY", "http://env:3128"));
    assertEquals(List.of(URI.create("https://pomerium.corp.example.com:443")), asked);
    assertEquals("socks5h://s:1080", c.proxy().orElseThrow().toString());
    assertTrue(c.source().startsWith("the JVM's ProxySelector ("), c.source());

    // A DIRECT answer leaves the choice to the environment.
    ProxyChoice env = choose(null, NONE, Map.of("HTTPS_PROXY", "http://env:3128"));
    assertEquals("http://env:3128", env.proxy().orElseThrow().toString());
    assertEquals("HTTPS_PROXY", env.source());
  }

  @Test
  void theJdksSelectorIsNamedByTheSystemPropertyThatConfiguredIt() throws Exception {
    // The JDK's own selector reads https.proxyHost and http.nonProxyHosts; it is asked, not re-implemented.
    String[] keys = {"https.proxyHost", "https.proxyPort", "http.nonProxyHosts"};
    String[] saved = new String[keys.length];
    for (int i = 0; i < keys.length; i++) {
      saved[i] = System.getProperty(keys[i]);
    }
    try {
      System.setProperty("https.proxyHost", "jvm-proxy.corp");
      System.setProperty("https.proxyPort", "8080");
      System.clearProperty("http.nonProxyHosts");
      ProxySelector jdk = ProxySelector.getDefault();
      ProxyChoice c = choose(null, jdk, Map.of("https.proxyHost", "jvm-proxy.corp"), Map.of());
      assertEquals("http://jvm-proxy.corp:8080", c.proxy().orElseThrow().toString());
      assertEquals("https.proxyHost", c.source());

      System.setProperty("http.nonProxyHosts", "*.corp.example.com");
      assertTrue(choose(null, jdk, Map.of("https.proxyHost", "jvm-proxy.corp"), Map.of()).isDirect());
    } finally {
      for (int i = 0; i < keys.length; i++) {
        if (saved[i] == null) {
          System.clearProperty(keys[i]);
        } else {
          System.setProperty(keys[i], saved[i]);
        }
      }
    }
  }

  @Test
  void theEnvironmentIsReadInGosOrder() throws Exception {
    assertEquals("HTTPS_PROXY", choose(null, NONE, Map.of("HTTPS_PROXY", "a:1", "https_proxy", "b:2")).source());
    assertEquals("https_proxy", choose(null, NONE, Map.of("https_proxy", "b:2", "ALL_PROXY", "c:3")).source());
    assertEquals("ALL_PROXY", choose(null, NONE, Map.of("ALL_PROXY", "socks5h://c:3", "all_proxy", "d:4")).source());
    assertEquals("all_proxy", choose(null, NONE, Map.of("all_proxy", "d:4")).source());
    // HTTP_PROXY is for http:// URLs; Pomerium is https.
    assertTrue(choose(null, NONE, Map.of("HTTP_PROXY", "e:5")).isDirect());
    assertEquals("no forward proxy is configured", choose(null, NONE, Map.of()).reason());
  }

  @Test
  void noProxyBypassesTheEnvironmentsProxyAndSaysWhichEntryDid() throws Exception {
    ProxyChoice c = choose(null, NONE, Map.of("HTTPS_PROXY", "http://env:3128", "no_proxy", "localhost, .example.com"));
    assertTrue(c.isDirect());
    assertEquals("no_proxy entry '.example.com' matches pomerium.corp.example.com (HTTPS_PROXY not used)",
        c.reason());
    // NO_PROXY wins over no_proxy, as in Go.
    assertFalse(choose(null, NONE, Map.of("HTTPS_PROXY", "http://env:3128", "NO_PROXY", "other.net",
        "no_proxy", "*")).isDirect());
  }

  @Test
  void loopbackPomeriumIsNeverSentToTheEnvironmentsProxy() throws Exception {
    ForwardProxies proxies = new ForwardProxies(null, "forwardProxy", () -> NONE, name -> null,
        Map.of("HTTPS_PROXY", "http://env:3128")::get, TLS);
    assertTrue(proxies.choose(PomeriumEndpoint.of("127.0.0.1", 8443)).isDirect());
    assertTrue(proxies.choose(PomeriumEndpoint.of("::1", 8443)).isDirect());
    assertTrue(proxies.choose(PomeriumEndpoint.of("localhost", 8443)).isDirect());
  }

  @Test
  void anEnvironmentValueThatIsNoProxyUrlFailsTheConnectionWithoutItsPassword() {
    ProxyException e = assertThrows(ProxyException.class,
        () -> choose(null, NONE, Map.of("HTTPS_PROXY", "ftp://u:s3cret@proxy:21")));
    assertEquals("HTTPS_PROXY cannot be used: unsupported proxy scheme 'ftp' in 'ftp://***@proxy:21': use http://,"
        + " https://, socks5:// or socks5h://; set it to a proxy URL (http://, https://, socks5:// or"
        + " socks5h://host:port) or unset it", e.getMessage());
  }
}
