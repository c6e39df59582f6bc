package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.Fault;
import dev.jgitpomerium.testkit.TestRepositories;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.Test;

/**
 * A transport that sits in every build must never hang it, and a failure must leave repositories as they were: each
 * fault ends in a typed error within its bound, no local ref moves on a failed fetch, nothing half-pushed shows on the
 * server, and (checked after every test) no thread or socket is left behind.
 */
// Every operation here opens its own tunnel (noConnectionReuse): what is tested happens when a tunnel opens.
class FaultsTest extends TestbedTest {

  /**
   * Runs {@code command} expecting a failure within {@code bound}; returns it. The time to the error is printed to
   * the test output ("fault: ..."), where the README's reliability table comes from.
   */
  private static TransportException failsWithin(Duration bound, ThrowingRunnable command) {
    long start = System.nanoTime();
    TransportException e = assertThrows(TransportException.class, command::run);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(elapsed.compareTo(bound) < 0, "took " + elapsed + ", bound " + bound + ": " + e.getMessage());
    String test = StackWalker.getInstance().walk(frames -> frames.skip(1).findFirst().orElseThrow()).getMethodName();
    System.err.printf("fault: %s: error after %d ms (bound %d s)%n", test, elapsed.toMillis(), bound.toSeconds());
    return e;
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private Git cloneOk(PomeriumSshSessionFactory pomerium) throws Exception {
    return testbed.cloneThrough(pomerium, "clone");
  }

  @Test
  void aGatewayThatAcceptsTcpButNeverAnswersFailsWithinTheResponseTimeoutNotJGitsTwoMinutes() throws Exception {
    testbed.gateway.setFault(Fault.acceptAndNeverHandshake());
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse()
        .responseTimeout(Duration.ofSeconds(1)).build()) {
      TransportException e = failsWithin(Duration.ofSeconds(10), () -> cloneOk(pomerium).close());
      assertInstanceOf(PomeriumProtocolException.class, PomeriumException.causeOf(e).orElseThrow());
      assertTrue(e.getMessage().contains("did not complete the TLS handshake"), e.getMessage());
    }
  }

  @Test
  void aResetAfterThe200BeforeSshStartsIsAPromptError() throws Exception {
    testbed.gateway.setFault(Fault.closeAfter200());
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse().build()) {
      failsWithin(Duration.ofSeconds(20), () -> cloneOk(pomerium).close());
    }
    assertTrue(Files.notExists(dir.resolve("clone/.git/refs/heads/main")));
  }

  @Test
  void aFetchCutMidPackMovesNoLocalRef() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse()
        .build(); Git clone = cloneOk(pomerium)) {
      ObjectId before = clone.getRepository().resolve("refs/remotes/origin/main");
      TestRepositories.commitFiles(testbed.origin, 10, 100_000, 11);
      testbed.gateway.setFault(Fault.closeAfterResponseBytes(200_000));
      failsWithin(Duration.ofSeconds(20), () -> clone.fetch().setTransportConfigCallback(pomerium).call());
      assertEquals(before, clone.getRepository().resolve("refs/remotes/origin/main"));
    }
  }

  @Test
  void aPushCutMidPackLeavesNothingHalfPushedOnTheServer() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse()
        .build(); Git clone = cloneOk(pomerium)) {
      ObjectId serverBefore = testbed.origin.resolve("refs/heads/main");
      // Incompressible content, so that the cut lands inside the pack.
      TestRepositories.commitFiles(clone.getRepository(), 8, 100_000, 12);
      RevCommit local = clone.commit().setMessage("large").setSign(false).setAllowEmpty(true).call();
      testbed.gateway.setFault(Fault.closeAfterRequestBytes(150_000));
      failsWithin(Duration.ofSeconds(20), () -> clone.push().setTransportConfigCallback(pomerium)
          .setRefSpecs(new RefSpec("main:main")).call());
      assertEquals(serverBefore, testbed.origin.resolve("refs/heads/main"));
      assertTrue(!local.getId().equals(testbed.origin.resolve("refs/heads/main")));
    }
  }

  @Test
  void anExpiredCertificateIsATlsErrorThatSaysSo() throws Exception {
    Instant now = Instant.now();
    restartTestbed("expired", gateway -> gateway.certificateValidity(now.minus(Duration.ofDays(30)),
        now.minus(Duration.ofDays(1))));
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse().build()) {
      TransportException e = failsWithin(Duration.ofSeconds(10), () -> cloneOk(pomerium).close());
      PomeriumException cause = PomeriumException.causeOf(e).orElseThrow();
      assertInstanceOf(PomeriumTlsException.class, cause);
      assertTrue(GitThroughPomeriumTest.messages(cause).toLowerCase(java.util.Locale.ROOT).contains("expired")
          || GitThroughPomeriumTest.messages(cause).contains("validity"), GitThroughPomeriumTest.messages(cause));
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void malformedHeadsAreBoundedAndReported() throws Exception {
    Supplier<byte[]> noStatusLine =
        () -> "Content-Length: 0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (Fault fault : new Fault[] {Fault.rawResponse(noStatusLine.get()), Fault.oversizedHeader(64 * 1024),
        Fault.headersNeverEnd()}) {
      testbed.gateway.setFault(fault);
      try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse()
          .responseTimeout(Duration.ofSeconds(2)).build()) {
        TransportException e = failsWithin(Duration.ofSeconds(10),
            () -> Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call());
        assertInstanceOf(PomeriumProtocolException.class, PomeriumException.causeOf(e).orElseThrow(),
            fault + ": " + e.getMessage());
      }
    }
  }
}
