package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgitpomerium.testkit.FakeBrowser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.Test;

/**
 * Sign-in wherever a person can be reached: a browser needs no console (its callback completes the sign-in), so a JVM
 * without one (an IDE, a Gradle daemon, a desktop script) signs in when a browser command is given or a display is
 * there; with neither a browser nor a console it fails at once saying what to provide; a CI run never waits.
 *
 * <p>The browsers are real processes the test can watch: a browser command and, for the desktop's browser, an {@code
 * xdg-open} first on the PATH of a child JVM. Each records the address it was given; the test then plays the person
 * and follows it in {@link FakeBrowser} (the gateway's sign-in page completes by itself).
 */
class SignInWithoutAConsoleTest extends TestbedTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** The sign-in wait that failing "at once" must not approach. */
  private static final Duration SIGN_IN_TIMEOUT = Duration.ofSeconds(40);

  @Test
  void withoutAConsoleABrowserCommandSignsInThroughTheBrowser() throws Exception {
    Path opened = dir.resolve("opened");
    try (PomeriumSshSessionFactory pomerium = testbed.unattendedSignInFactory(name -> null)
        .browserCommand(recordingBrowser("browser", opened).toString()).build()) {
      CompletableFuture<Void> lsRemote = CompletableFuture.runAsync(() -> lsRemote(pomerium));
      String url = awaitOpened(opened, lsRemote::isDone);
      FakeBrowser.visit(url, testbed.gateway);
      lsRemote.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    assertEquals(1, testbed.gateway.signInCount());
    assertEquals(1, Files.readAllLines(opened).size(), "one browser tab");
    assertEquals(PomeriumToken.pomerium(testbed.gateway.issuedTokens().get(0)),
        TokenStore.directory(testbed.tokenCache).load(PomeriumEndpoint.parse(testbed.gateway.url())));
  }

  @Test
  void withoutAConsoleADisplayLetsTheDesktopBrowserSignIn() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path opened = dir.resolve("opened");
    recordingBrowser("xdg-open", opened);
    Path ca = testbed.gateway.writeCaCertificate(dir.resolve("ca.pem"));
    Path output = dir.resolve("child.out");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        DesktopSignInChild.class.getName(), testbed.gateway.url(), ca.toString(), testbed.tokenCache.toString())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("JGIT_POMERIUM_") || List.of("CI", "JENKINS_URL", "TEAMCITY_VERSION",
        "BUILD_BUILDID", "WAYLAND_DISPLAY").contains(k));
    // A desktop session whose X server this machine does not have: AWT cannot use it, xdg-open is what is left.
    env.put("DISPLAY", ":99");
    env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    Process child = builder.start();
    try {
      String url = awaitOpened(opened, () -> !child.isAlive());
      FakeBrowser.visit(url, testbed.gateway);
      assertTrue(child.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the child did not finish");
    } finally {
      child.destroyForcibly();
    }
    String transcript = Files.readString(output, StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), transcript);
    assertTrue(transcript.contains("tunnel open"), transcript);
    assertTrue(transcript.contains("A browser window has been opened at that address"), transcript);
    assertEquals(1, testbed.gateway.signInCount());
    assertEquals(1, Files.readAllLines(opened).size(), "xdg-open was started once");
  }

  @Test
  void withoutAConsoleOrABrowserASignInFailsAtOnceSayingWhatToProvide() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.unattendedSignInFactory(name -> null)
        .signInTimeout(SIGN_IN_TIMEOUT).build()) {
      long start = System.nanoTime();
      TransportException e = assertFailsToSignIn(pomerium);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      // "At once": far sooner than a sign-in would be waited for (a bound loose enough for a loaded CI machine).
      assertTrue(elapsed.compareTo(SIGN_IN_TIMEOUT.dividedBy(4)) < 0, "took " + elapsed);
      assertTrue(e.getMessage().contains("requires sign-in for git.corp.example.com:22 (HTTP 302): there is no "
          + "display for a browser (DISPLAY and WAYLAND_DISPLAY are unset) and no browser command, and there is no "
          + "console to paste the sign-in result into, so no browser sign-in is started. Provide a token:"),
          e.getMessage());
      assertTrue(e.getMessage().contains("JGIT_POMERIUM_TOKEN_FILE"), e.getMessage());
      assertTrue(e.getMessage().contains("give a browser command (JGIT_POMERIUM_BROWSER_COMMAND"), e.getMessage());
    }
    assertEquals(0, testbed.gateway.loginApiCount(), "no sign-in was started");
  }

  @Test
  void noBrowserWithoutAConsoleFailsAtOnceEvenWithADisplay() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.unattendedSignInFactory(Map.of("DISPLAY", ":0")::get)
        .noBrowser().build()) {
      TransportException e = assertFailsToSignIn(pomerium);
      assertTrue(e.getMessage().contains("no browser is wanted, and there is no console to paste the sign-in result "
          + "into"), e.getMessage());
    }
    assertEquals(0, testbed.gateway.loginApiCount());
  }

  @Test
  void aCiRunNeverWaitsEvenWithABrowserCommand() throws Exception {
    Path opened = dir.resolve("opened");
    try (PomeriumSshSessionFactory pomerium = testbed.unattendedSignInFactory(Map.of("CI", "true")::get)
        .browserCommand(recordingBrowser("browser", opened).toString()).signInTimeout(SIGN_IN_TIMEOUT).build()) {
      long start = System.nanoTime();
      TransportException e = assertFailsToSignIn(pomerium);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      // "At once": far sooner than a sign-in would be waited for (a bound loose enough for a loaded CI machine).
      assertTrue(elapsed.compareTo(SIGN_IN_TIMEOUT.dividedBy(4)) < 0, "took " + elapsed);
      assertTrue(e.getMessage().contains("this looks like a CI run (CI is set), so no browser sign-in is started. "
          + "Provide a token:"), e.getMessage());
      assertFalse(e.getMessage().contains("give a browser command"), "CI wants a token, not a browser");
    }
    assertFalse(Files.exists(opened), "the browser command was not run");
    assertEquals(0, testbed.gateway.loginApiCount());
  }

  private void lsRemote(PomeriumSshSessionFactory pomerium) {
    try {
      Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static TransportException assertFailsToSignIn(PomeriumSshSessionFactory pomerium) {
    try {
      Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
    } catch (TransportException e) {
      assertTrue(PomeriumException.causeOf(e).orElseThrow() instanceof PomeriumSignInRequiredException,
          e::toString);
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a sign-in failure", e);
    }
    throw new AssertionError("the connection succeeded without a token");
  }

  /**
   * A browser as a shell script, {@code bin/<name>}, that appends the address it is given (its last argument) to
   * {@code opened} and returns at once, as a browser launcher does.
   */
  private Path recordingBrowser(String name, Path opened) throws IOException {
    Path script = Files.createDirectories(dir.resolve("bin")).resolve(name);
    Files.writeString(script, "#!/bin/sh\nfor last; do :; done\nprintf '%s\\n' \"$last\" >> '" + opened + "'\n",
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** The first address the browser recorded, waiting up to 30 s, or failing early when {@code gaveUp} says so. */
  private static String awaitOpened(Path opened, BooleanSupplier gaveUp) throws IOException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (Files.exists(opened)) {
        List<String> lines = Files.readAllLines(opened);
        if (!lines.isEmpty() && lines.get(0).startsWith("https://")) {
          return lines.get(0);
        }
      }
      if (gaveUp.getAsBoolean()) {
        fail("the sign-in ended before any browser was opened");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return fail("no browser was opened within " + WAIT.toSeconds() + " s");
  }
}
