package dev.jgitpomerium.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Two processes needing a sign-in at once open one browser tab: the second waits on the lock, then reuses the token.
 */
class TwoProcessSignInTest extends TestbedTest {

  @Test
  void aSecondProcessWaitsForTheFirstOnesSignInAndUsesItsToken() throws Exception {
    restartTestbed("held-sign-in", PomeriumGateway.Builder::holdSignIns);
    Path ca = testbed.gateway.writeCaCertificate(dir.resolve("ca.pem"));
    Route route = Route.parse(Testbed.HOST + ":22", testbed.gateway.url());
    TunnelDialer dialer = new TunnelDialer(testbed.signInFactory().settings());

    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
      try {
        dialer.open(route).close();
      } catch (PomeriumException e) {
        throw new IllegalStateException(e);
      }
    });
    assertTrue(testbed.gateway.awaitSignInsInProgress(1, Duration.ofSeconds(10)), "first sign-in started");

    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process second = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, SignInChild.class.getName(), testbed.gateway.url(), ca.toString(),
        testbed.tokenCache.toString())
        .redirectErrorStream(true)
        .start();
    StringBuffer output = new StringBuffer();
    CompletableFuture<Void> secondWaits = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(second.getInputStream(), UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          output.append(line).append('\n');
          if (line.contains("another process is signing in to Pomerium; waiting for it")) {
            secondWaits.complete(null);
          }
        }
      } catch (IOException e) {
        secondWaits.completeExceptionally(e);
      }
      secondWaits.completeExceptionally(new AssertionError("the second process never waited:\n" + output));
    });
    reader.start();
    // The first login stays on the sign-in page until the second process is seen waiting on its lock.
    secondWaits.get(60, TimeUnit.SECONDS);
    testbed.gateway.releaseSignIns();
    first.get(30, TimeUnit.SECONDS);
    assertTrue(second.waitFor(60, TimeUnit.SECONDS), "second process finished");
    reader.join(TimeUnit.SECONDS.toMillis(10));
    assertEquals(0, second.exitValue(), output::toString);
    assertTrue(output.toString().contains("tunnel open"), output::toString);

    assertEquals(1, testbed.gateway.signInCount());
    String token = testbed.gateway.issuedTokens().get(0);
    // Each process: one CONNECT without a token (302), one with the single signed-in token.
    Map<String, Long> authorizations = testbed.gateway.requests().stream()
        .collect(Collectors.groupingBy(r -> String.valueOf(r.authorization()), Collectors.counting()));
    assertEquals(Map.of("null", 2L, "Pomerium " + token, 2L), authorizations);
  }
}
