package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.RecordedConnect;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code login}, {@code status} and {@code logout} against the testkit gateway: an interactive sign-in through a
 * browser command (a script that runs {@link ScriptedBrowser} in its own JVM), the token cache it fills, and what
 * status shows of it (never the token).
 */
class SignInCommandsTest extends CliTestbedTest {
  private Path browserLog;

  @BeforeEach
  void signInWithAScriptedBrowser() throws Exception {
    browserLog = dir.resolve("browser.log");
    Path script = ScriptedBrowser.writeScript(dir.resolve("browser.sh"), testbed.caFile, browserLog);
    testbed.setProperty("jgit.pomerium.interactive", "true");
    testbed.setProperty("jgit.pomerium.browserCommand", script.toString());
    testbed.setProperty("jgit.pomerium.signInTimeout", "30s");
  }

  @Test
  void loginSignsInThroughTheBrowserCachesTheTokenAndStatusAndLogoutFollowIt() throws Exception {
    String url = testbed.gateway.url();

    int login = testbed.run("login", url, "--alternate-ca-path", testbed.caFile.toString());

    assertEquals(0, login, () -> testbed.err() + "\nbrowser: " + browserLogText());
    assertTrue(testbed.out().startsWith("Signed in to Pomerium at " + url), testbed.out());
    assertTrue(testbed.out().contains(testbed.tokenCache.toString()), "says where the token is: " + testbed.out());
    assertEquals(1, testbed.gateway.signInCount());
    String token = testbed.gateway.issuedTokens().get(0);
    assertFalse(testbed.out().contains(token) || testbed.err().contains(token), "login printed the token");
    assertTrue(cachedFiles().stream().anyMatch(f -> read(f).contains(token)),
        "the token is in the cache directory " + testbed.tokenCache);

    assertEquals(0, testbed.run("status", "--pomerium-url", url, "--route", CliTestbed.HOST + ":22"), testbed.err());
    assertTrue(testbed.out().contains("Token cache: " + testbed.tokenCache), testbed.out());
    assertTrue(testbed.out().contains("  " + CliTestbed.HOST + ":22 via " + url), testbed.out());
    assertTrue(testbed.out().contains("Pomerium at " + url + ": signed in (token cached)"), testbed.out());
    assertFalse(testbed.out().contains(token) || testbed.err().contains(token), "status printed the token");

    // The cached token is what a later command sends: no flag, no second sign-in.
    Path clone = testbed.path("clone");
    assertEquals(0, testbed.run("clone", "--pomerium-url", url, "--alternate-ca-path", testbed.caFile.toString(),
        CliTestbed.URI, clone.toString()), testbed.err());
    try (Git git = Git.open(clone.toFile())) {
      assertEquals(testbed.initialHead, git.getRepository().resolve("HEAD"));
    }
    List<RecordedConnect> connects = testbed.gateway.requests();
    assertTrue(("Pomerium " + token).equals(connects.get(connects.size() - 1).authorization()),
        "the clone sent the token login cached");
    assertEquals(1, testbed.gateway.signInCount());

    assertEquals(0, testbed.run("logout", url), testbed.err());
    assertEquals("Signed out of Pomerium at " + url, testbed.out().strip());
    assertTrue(cachedFiles().stream().noneMatch(f -> read(f).contains(token)), "logout removed the token");

    assertEquals(0, testbed.run("status", "--pomerium-url", url, "--route", CliTestbed.HOST + ":22"), testbed.err());
    assertTrue(testbed.out().contains("Pomerium at " + url + ": not signed in"), testbed.out());
    assertFalse(testbed.out().contains("signed in (token cached)"), testbed.out());

    assertEquals(0, testbed.run("logout", url), testbed.err());
    assertEquals("No token was cached for Pomerium at " + url, testbed.out().strip());
  }

  /**
   * The browser must get the "Signed in" page from the loopback callback: the callback answers before it hands the
   * token over, since that ends the sign-in and closes the callback server.
   */
  @Test
  void loginLetsTheBrowserSeeTheSignedInPage() {
    assertEquals(0, testbed.run("login", testbed.gateway.url(), "--alternate-ca-path", testbed.caFile.toString()),
        testbed.err());
    // The browser is its own process and writes its log after the page arrived, which may be after login returned.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (!browserLogText().contains("ended with HTTP") && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
    assertTrue(browserLogText().contains("ended with HTTP 200"), browserLogText());
  }

  @Test
  void statusWithoutRoutesSaysSoAndNamesTheTokenCache() {
    assertEquals(0, testbed.run("status"), testbed.err());
    assertTrue(testbed.out().startsWith("jgit-pomerium "), testbed.out());
    assertTrue(testbed.out().contains("Token cache: " + testbed.tokenCache), testbed.out());
    assertTrue(testbed.out().contains("Routes: none"), testbed.out());
    assertEquals("", testbed.err());
  }

  private List<Path> cachedFiles() throws IOException {
    try (Stream<Path> files = Files.walk(testbed.tokenCache)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return "";
    }
  }

  private String browserLogText() {
    return Files.exists(browserLog) ? read(browserLog) : "(no browser log)";
  }
}
