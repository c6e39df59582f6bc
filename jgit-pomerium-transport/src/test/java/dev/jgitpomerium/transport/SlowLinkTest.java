package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.SlowLink;
import dev.jgitpomerium.testkit.TestRepositories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.junit.jupiter.api.Test;

/**
 * A tunnel must work on the links people really have, not only on loopback: with a {@link SlowLink} between JGit and
 * the gateway (1 MB/s and 100 ms each way, a slow office VPN) a clone and a push still complete, with no timeout of
 * ours firing on the way. The times are checked against the bandwidth, so a link that shaped nothing fails the test,
 * and printed to the test output ("slow link: ...") for the README.
 */
class SlowLinkTest extends TestbedTest {
  private static final long BYTES_PER_SECOND = 1_000_000;
  private static final Duration ONE_WAY_DELAY = Duration.ofMillis(100);
  /** What the link's token bucket may let through at once, plus clock slack. */
  private static final Duration BURST_MARGIN = Duration.ofMillis(200);
  private static final Duration BOUND = Duration.ofSeconds(60);

  private SlowLink slowLinkToGateway() throws IOException {
    return SlowLink.builder().target(testbed.gateway.address()).bytesPerSecond(BYTES_PER_SECOND)
        .oneWayDelay(ONE_WAY_DELAY).start();
  }

  /** A factory that reaches the gateway only through {@code link}; the certificate covers 127.0.0.1 too. */
  private PomeriumSshSessionFactory throughLink(SlowLink link) {
    return testbed.factory().pomeriumUrl("https://127.0.0.1:" + link.port()).build();
  }

  @Test
  void aCloneOverA1MBpsLinkWith100msLatencyCompletes() throws Exception {
    ObjectId head = TestRepositories.commitFiles(testbed.origin, 3, 1_000_000, 61);
    try (SlowLink link = slowLinkToGateway(); PomeriumSshSessionFactory pomerium = throughLink(link)) {
      long start = System.nanoTime();
      try (Git clone = testbed.cloneThrough(pomerium, "clone")) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(head, clone.getRepository().resolve("HEAD"));
        long packBytes = packBytes(clone.getRepository().getDirectory().toPath());
        Duration atRate = Duration.ofNanos(packBytes * 1_000_000_000L / BYTES_PER_SECOND);
        System.err.printf("slow link: clone of %.1f MB took %d ms (%d ms of it the pack at 1 MB/s)%n",
            packBytes / 1e6, elapsed.toMillis(), atRate.toMillis());
        assertTrue(packBytes > 3_000_000, "pack bytes: " + packBytes);
        assertTrue(elapsed.compareTo(atRate.minus(BURST_MARGIN)) >= 0, "took " + elapsed + ", pack alone " + atRate);
        assertTrue(elapsed.compareTo(BOUND) < 0, "took " + elapsed);
      }
    }
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void aPushOverA1MBpsLinkWith100msLatencyLandsOnTheServer() throws Exception {
    try (SlowLink link = slowLinkToGateway(); PomeriumSshSessionFactory pomerium = throughLink(link);
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      ObjectId pushed = TestRepositories.commitFiles(clone.getRepository(), 1, 500_000, 62);
      long start = System.nanoTime();
      Iterable<PushResult> results = clone.push().setTransportConfigCallback(pomerium)
          .setRefSpecs(new RefSpec("main:main")).call();
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      System.err.printf("slow link: push of 0.5 MB took %d ms%n", elapsed.toMillis());

      for (PushResult result : results) {
        assertEquals(RemoteRefUpdate.Status.OK, result.getRemoteUpdate("refs/heads/main").getStatus());
      }
      assertEquals(pushed, testbed.origin.resolve("refs/heads/main"));
      Duration atRate = Duration.ofNanos(500_000 * 1_000_000_000L / BYTES_PER_SECOND);
      assertTrue(elapsed.compareTo(atRate.minus(BURST_MARGIN)) >= 0, "took " + elapsed);
      assertTrue(elapsed.compareTo(BOUND) < 0, "took " + elapsed);
    }
  }

  /** The size of the packs a clone received; random content does not compress, so about what the server holds. */
  private static long packBytes(Path gitDirectory) throws IOException {
    try (Stream<Path> files = Files.list(gitDirectory.resolve("objects/pack"))) {
      long total = 0;
      for (Path file : (Iterable<Path>) files::iterator) {
        if (file.getFileName().toString().endsWith(".pack")) {
          total += Files.size(file);
        }
      }
      return total;
    }
  }
}
