package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.internal.TunnelDialer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Two processes needing a sign-in at once open one browser tab: the second waits on the lock, then reuses the token. */
class TwoProcessSignInTest extends TestbedTest {

  @Test
  void aSecondProcessWaitsForTheFirstOnesSignInAndUsesItsToken() throws Exception {
    restartTestbed("slow-sign-in", gateway -> gateway.signInDelay(Duration.ofMillis(1500)));
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
    first.get(30, TimeUnit.SECONDS);
    assertTrue(second.waitFor(60, TimeUnit.SECONDS), "second process finished");
    String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, second.exitValue(), output);
    assertTrue(output.contains("tunnel open"), output);
    assertTrue(output.contains("another process is signing in to Pomerium; waiting for it"), output);

    assertEquals(1, testbed.gateway.signInCount());
    String token = testbed.gateway.issuedTokens().get(0);
    // Each process: one CONNECT without a token (302), one with the single signed-in token.
    Map<String, Long> authorizations = testbed.gateway.requests().stream()
        .collect(Collectors.groupingBy(r -> String.valueOf(r.authorization()), Collectors.counting()));
    assertEquals(Map.of("null", 2L, "Pomerium " + token, 2L), authorizations);
  }
}
