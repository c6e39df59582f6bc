package dev.jgitpomerium.agent;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeferredProxySelectorTest {
  private static final Proxy REPLACED =
      new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("corporate", 3128));
  private static final Proxy RELAY = new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 40000));

  private static ProxySelector answering(Proxy proxy) {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        return List.of(proxy);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    };
  }

  @Test
  void questionsOtherThanJGitsGoToTheReplacedSelectorWithoutWaiting() {
    DeferredProxySelector selector = new DeferredProxySelector(answering(REPLACED), TimeUnit.HOURS.toMillis(1));

    assertEquals(List.of(REPLACED), selector.select(URI.create("https://git.corp.example.com/")));
    // The JDK's own sockets ask with a port; JGit asks without one.
    assertEquals(List.of(REPLACED), selector.select(URI.create("socket://git.corp.example.com:22")));
  }

  @Test
  void aJGitQuestionWaitsForTheImplementationAndGetsItsAnswer() throws Exception {
    DeferredProxySelector selector = new DeferredProxySelector(answering(REPLACED), TimeUnit.MINUTES.toMillis(1));
    CompletableFuture<List<Proxy>> answer =
        CompletableFuture.supplyAsync(() -> selector.select(URI.create("HTTP://git.corp.example.com")));

    assertFalse(answer.isDone());
    selector.started(answering(RELAY));

    assertEquals(List.of(RELAY), answer.get(1, TimeUnit.MINUTES));
    assertEquals(List.of(RELAY), selector.select(URI.create("https://elsewhere.example.com/")));
  }

  @Test
  void anImplementationThatCouldNotStartFailsJGitsConnectionsSayingWhyAndLeavesTheRestToTheReplacedSelector()
      throws Exception {
    DeferredProxySelector selector = new DeferredProxySelector(answering(REPLACED), TimeUnit.MINUTES.toMillis(1));
    selector.failed("invalid jgit-pomerium setting jgit.pomerium.url (or JGIT_POMERIUM_URL): invalid Pomerium URL");

    for (String jgitAsks : List.of("socket://git.corp.example.com", "HTTP://elsewhere.example.com")) {
      InetSocketAddress proxy = (InetSocketAddress) selector.select(URI.create(jgitAsks)).get(0).address();
      try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(
            "CONNECT git.corp.example.com:22 HTTP/1.1\r\nHost: git.corp.example.com:22\r\n\r\n".getBytes(US_ASCII));
        String answer = new String(socket.getInputStream().readAllBytes(), US_ASCII);
        assertTrue(answer.startsWith("HTTP/1.1 502 jgit-pomerium-agent not started: invalid jgit-pomerium setting"
            + " jgit.pomerium.url (or JGIT_POMERIUM_URL): invalid Pomerium URL\r\n"), answer);
      }
    }
    assertEquals(List.of(REPLACED), selector.select(URI.create("https://git.corp.example.com/")));
  }

  @Test
  void anImplementationThatNeverStartsFailsJGitsConnectionRatherThanGoingDirect() {
    DeferredProxySelector selector = new DeferredProxySelector(answering(Proxy.NO_PROXY), 50);

    List<Proxy> answer = selector.select(URI.create("socket://git.corp.example.com"));

    assertEquals(1, answer.size());
    InetSocketAddress address = (InetSocketAddress) answer.get(0).address();
    assertTrue(address.isUnresolved());
    assertEquals(DeferredProxySelector.NOT_STARTED_IN_TIME, address.getHostString());
  }
}
