package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real headless Chromium, started through {@code browserCommand} exactly as a user's {@code --browser-cmd} would
 * be, completes the sign-in: it follows Pomerium's sign-in page to the loopback callback. {@code test.sh} installs
 * Debian's chromium; without it this test fails rather than skips.
 */
class RealBrowserSignInTest extends TestbedTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @AfterEach
  void chromiumHasExited() throws Exception {
    for (ProcessHandle child : ProcessHandle.current().descendants().toList()) {
      if (!child.onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS).thenApply(p -> true).get()
          || child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }

  @Test
  void headlessChromiumAsTheBrowserCommandCompletesTheSignIn() throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM), "this test needs Debian's chromium at " + CHROMIUM
        + " (./test.sh installs it: apt-get install chromium)");
    Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
    // As root Chromium needs --no-sandbox; the gateway's test CA is not in Chromium's trust store.
    String command = String.join(" ", List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--ignore-certificate-errors", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--dump-dom"));
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory()
        .browserCommand(command)
        .signInTimeout(Duration.ofSeconds(60))
        .build()) {
      Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
    }
    assertEquals(1, testbed.gateway.signInCount());
    assertEquals(PomeriumToken.pomerium(testbed.gateway.issuedTokens().get(0)),
        TokenStore.directory(testbed.tokenCache).load(PomeriumEndpoint.parse(testbed.gateway.url())));
  }
}
