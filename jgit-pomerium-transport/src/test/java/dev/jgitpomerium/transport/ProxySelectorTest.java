package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JGit code that makes its own {@code new SshdSessionFactory()} (as Maven SCM's jgit provider does) reaches Pomerium
 * through the JVM's ProxySelector, and the relay still serves no other process.
 */
class ProxySelectorTest extends TestbedTest {
  ProxySelector before;
  PomeriumSshSessionFactory pomerium;
  PomeriumProxySelector selector;

  @BeforeEach
  void install() throws Exception {
    before = ProxySelector.getDefault();
    pomerium = testbed.factory().build();
    selector = PomeriumProxySelector.install(pomerium);
  }

  @AfterEach
  void uninstall() {
    selector.uninstall();
    pomerium.close();
    assertSame(before, ProxySelector.getDefault());
  }

  @Test
  void aStockSshdSessionFactoryClonesThroughPomerium() throws Exception {
    try (SshdSessionFactory stock = new SshdSessionFactory()) {
      stock.setHomeDirectory(testbed.home.toFile());
      stock.setSshDirectory(testbed.sshDirectory.toFile());
      try (Git clone = Git.cloneRepository().setURI(Testbed.URI).setDirectory(dir.resolve("clone").toFile())
          .setTransportConfigCallback(t -> ((SshTransport) t).setSshSessionFactory(stock)).call()) {
        assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      }
    }
    assertEquals("Pomerium " + Testbed.TOKEN, testbed.gateway.requests().get(0).authorization());
  }

  @Test
  void aJvmWideSocksProxyDoesNotTakeARoutedHostAroundPomerium() throws Exception {
    // JGit asks for a SOCKS proxy first and prefers it; this one would refuse, so only the relay can succeed.
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    System.setProperty("socksProxyHost", "127.0.0.1");
    System.setProperty("socksProxyPort", String.valueOf(closedPort));
    try (SshdSessionFactory stock = new SshdSessionFactory()) {
      stock.setHomeDirectory(testbed.home.toFile());
      stock.setSshDirectory(testbed.sshDirectory.toFile());
      try (Git clone = Git.cloneRepository().setURI(Testbed.URI).setDirectory(dir.resolve("clone").toFile())
          .setTransportConfigCallback(t -> ((SshTransport) t).setSshSessionFactory(stock)).call()) {
        assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      }
    } finally {
      System.clearProperty("socksProxyHost");
      System.clearProperty("socksProxyPort");
    }
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void otherHostsAndOrdinaryHttpKeepThePreviousSelector() {
    assertEquals(before.select(URI.create("HTTP://other.example.com")),
        selector.select(URI.create("HTTP://other.example.com")));
    assertEquals(before.select(URI.create("https://git.corp.example.com/")),
        selector.select(URI.create("https://git.corp.example.com/")));
    assertEquals(before.select(URI.create("socket://git.corp.example.com:22")),
        selector.select(URI.create("socket://git.corp.example.com:22")));
    // JGit's SOCKS question for a routed host: no proxy, so that JGit goes on to ask for the HTTP one (the relay).
    assertEquals(List.of(Proxy.NO_PROXY), selector.select(URI.create("socket://git.corp.example.com")));
    assertEquals(Proxy.Type.HTTP, selector.select(URI.create("HTTP://git.corp.example.com")).get(0).type());
    // The fully qualified name (a trailing dot) is the same host, and no SOCKS proxy may take it either.
    assertEquals(Proxy.Type.HTTP, selector.select(URI.create("HTTP://git.corp.example.com.")).get(0).type());
    assertEquals(List.of(Proxy.NO_PROXY), selector.select(URI.create("socket://git.corp.example.com.")));
  }

  @Test
  void anotherProcessGetsNothingFromTheRelayWithoutACredential() throws Exception {
    assertTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs Debian's socat; ./test.sh installs it");
    InetSocketAddress relay = (InetSocketAddress) selector.select(URI.create("HTTP://git.corp.example.com")).get(0)
        .address();
    Process other = new ProcessBuilder("socat", "-", "TCP:127.0.0.1:" + relay.getPort()).start();
    other.getOutputStream().write("CONNECT git.corp.example.com:22 HTTP/1.1\r\nHost: git.corp.example.com:22\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    other.getOutputStream().flush();
    assertTrue(other.waitFor(10, TimeUnit.SECONDS));
    String answer = new String(other.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertTrue(answer.startsWith("HTTP/1.1 403 Forbidden by the jgit-pomerium relay: no credentials"), answer);
    assertEquals(0, testbed.gateway.requestCount());
  }
}
