package dev.jgitpomerium.transport.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The login request follows the usual proxy settings: the JVM's first, else HTTPS_PROXY and NO_PROXY. */
class HttpClientsTest {
  private static final URI LOGIN = URI.create("https://pomerium.corp.example.com/.pomerium/api/v1/login");
  private static final ProxySelector NO_JVM_PROXY = ProxySelector.of(null);

  private static List<Proxy> select(ProxySelector jvm, Map<String, String> env, URI uri) {
    return new HttpClients.EnvironmentProxySelector(jvm, env::get).select(uri);
  }

  @Test
  void httpsProxyFromTheEnvironmentIsUsedWhenTheJvmHasNone() {
    Proxy proxy = select(NO_JVM_PROXY, Map.of("HTTPS_PROXY", "http://proxy.corp:3128"), LOGIN).get(0);
    assertEquals(Proxy.Type.HTTP, proxy.type());
    assertEquals(InetSocketAddress.createUnresolved("proxy.corp", 3128), proxy.address());
  }

  @Test
  void noProxyExemptsMatchingHosts() {
    Map<String, String> env = Map.of("https_proxy", "proxy.corp:3128", "NO_PROXY", "localhost,.corp.example.com");
    assertEquals(List.of(Proxy.NO_PROXY), select(NO_JVM_PROXY, env, LOGIN));
    assertEquals(Proxy.Type.HTTP, select(NO_JVM_PROXY, env, URI.create("https://pomerium.other.com/")).get(0).type());
  }

  @Test
  void theJvmsOwnProxyWins() {
    ProxySelector jvm = ProxySelector.of(new InetSocketAddress("jvm-proxy.corp", 8080));
    Proxy proxy = select(jvm, Map.of("HTTPS_PROXY", "http://proxy.corp:3128"), LOGIN).get(0);
    assertEquals(new InetSocketAddress("jvm-proxy.corp", 8080), proxy.address());
  }

  @Test
  void withoutAnyProxySettingItConnectsDirectly() {
    assertEquals(List.of(Proxy.NO_PROXY), select(NO_JVM_PROXY, Map.of(), LOGIN));
  }
}
