package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.Fault;
import dev.jgitpomerium.testkit.RecordedConnect;
import dev.jgitpomerium.testkit.TestRepositories;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.Test;

/** Real git over real SSH through a real TLS gateway: the library's main promise. */
class GitThroughPomeriumTest extends TestbedTest {

  @Test
  void clonesFetchesPushesAndListsRefsThroughTheTunnel() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));

      ObjectId upstream = TestRepositories.commitFiles(testbed.origin, 1, 512, 7);
      clone.fetch().setTransportConfigCallback(pomerium).call();
      assertEquals(upstream, clone.getRepository().resolve("refs/remotes/origin/main"));

      clone.pull().setTransportConfigCallback(pomerium).call();
      Files.writeString(dir.resolve("clone/pushed.txt"), "through Pomerium\n");
      clone.add().addFilepattern("pushed.txt").call();
      RevCommit local = clone.commit().setMessage("pushed through the tunnel").setSign(false).call();
      clone.push().setTransportConfigCallback(pomerium).setRefSpecs(new RefSpec("main:main")).call();
      assertEquals(local.getId(), testbed.origin.resolve("refs/heads/main"));

      Collection<Ref> refs = Git.lsRemoteRepository().setRemote(Testbed.URI)
          .setTransportConfigCallback(pomerium).call();
      Map<String, ObjectId> byName = refs.stream().collect(Collectors.toMap(Ref::getName, Ref::getObjectId));
      assertEquals(local.getId(), byName.get("refs/heads/main"));
    }
    // clone, fetch, pull, push, ls-remote: one after another on the one SSH connection they share.
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void connectRequestCarriesDestinationTokenAndUserAgentOverTls12Or13WithSniAndAlpn() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    RecordedConnect connect = testbed.gateway.takeRequest(Duration.ofSeconds(1));
    assertEquals("CONNECT git.corp.example.com:22 HTTP/1.1", connect.requestLine());
    assertEquals("git.corp.example.com:22", connect.header("Host"));
    assertEquals("Pomerium " + Testbed.TOKEN, connect.authorization());
    assertTrue(connect.header("User-Agent").startsWith("jgit-pomerium/"), connect.header("User-Agent"));
    assertEquals("localhost", connect.sniHostName());
    assertEquals("http/1.1", connect.applicationProtocol());
    assertTrue(connect.tlsProtocol().equals("TLSv1.3") || connect.tlsProtocol().equals("TLSv1.2"));
  }

  @Test
  void hostWithoutARouteConnectsDirectlyAsStockJGit() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), testbed.ssh.hostKeyLine("127.0.0.1") + "\n",
        java.nio.file.StandardOpenOption.APPEND);
    String direct = "ssh://git@127.0.0.1:" + testbed.ssh.port() + "/" + Testbed.REPOSITORY;
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build();
        Git clone = Git.cloneRepository().setURI(direct).setDirectory(dir.resolve("direct").toFile())
            .setTransportConfigCallback(pomerium).call()) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void hostKeyIsCheckedAgainstTheRealHostNameAndAMismatchIsRejected() throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    testbed.writeKnownHosts(PublicKeyEntry.toString(generator.generateKeyPair().getPublic()));
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      TransportException e = assertThrows(TransportException.class, () -> testbed.cloneThrough(pomerium, "clone"));
      HostKeyException changed = HostKeyException.causeOf(e);
      assertTrue(changed != null && changed.kind() == HostKeyException.Kind.CHANGED, messages(e));
      assertEquals("git.corp.example.com", changed.host());
    }
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void sshBytesThatArriveWithThe200AreNotLost() throws Exception {
    restartTestbed("coalescing", gateway -> gateway.coalesceUpstreamGreeting(true));
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
  }

  /** A program that prints events (the CLI's demo does) must not see one after it closed the factory. */
  @Test
  void everyTunnelClosedEventComesBeforeTheFactorysCloseReturns() throws Exception {
    java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (PomeriumSshSessionFactory pomerium = testbed.factory().eventListener(new RecordingListener(events)).build()) {
      for (int i = 0; i < 3; i++) {
        Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
      }
    }
    java.util.List<String> atClose = java.util.List.copyOf(events);
    // The three share one connection, which the factory keeps open until it closes.
    assertEquals(1, atClose.stream().filter("tunnelOpened"::equals).count(), atClose.toString());
    assertEquals(1, atClose.stream().filter("tunnelClosed"::equals).count(), atClose.toString());
  }

  @Test
  void tunnelCutMidCloneFailsFastWithAClearError() throws Exception {
    TestRepositories.commitFiles(testbed.origin, 20, 100_000, 3);
    testbed.gateway.setFault(Fault.closeAfterResponseBytes(300_000));
    java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong(-1);
    PomeriumEventListener listener = new PomeriumEventListener() {
      @Override
      public void tunnelClosed(Route route, long bytesSent, long bytesReceived) {
        received.set(bytesReceived);
      }
    };
    try (PomeriumSshSessionFactory pomerium = testbed.factory().eventListener(listener).build()) {
      long start = System.nanoTime();
      TransportException e = assertThrows(TransportException.class, () -> testbed.cloneThrough(pomerium, "clone"));
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      // JGit's own words for a cut stream ("Packfile is truncated", "Short read ..."), not a hang or a timeout.
      assertTrue(elapsed.compareTo(Duration.ofSeconds(10)) < 0, "took " + elapsed);
      assertTrue(e.getMessage() != null && !e.getMessage().contains("timeout"), e.getMessage());
      assertEquals(0, pomerium.activeTunnels());
    }
    assertTrue(received.get() > 0 && received.get() <= 300_000, "received " + received.get());
  }

  @Test
  void failuresReachTheCallerAsTransportExceptionsWithThePomeriumCause() throws Exception {
    testbed.gateway.enqueue(dev.jgitpomerium.testkit.GatewayResponse.forbidden());
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      TransportException e = assertThrows(TransportException.class,
          () -> Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call());
      assertTrue(e.getMessage().contains("Pomerium denied access to git.corp.example.com:22"), e.getMessage());
      assertInstanceOf(PomeriumAccessDeniedException.class, PomeriumException.causeOf(e).orElseThrow());
      assertEquals(403, PomeriumException.causeOf(e).orElseThrow().statusCode());
    }
  }

  static String messages(Throwable t) {
    StringBuilder out = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      out.append(c.getMessage()).append(" | ");
    }
    return out.toString();
  }
}
