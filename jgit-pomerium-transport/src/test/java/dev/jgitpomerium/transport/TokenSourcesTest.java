package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.Test;

/** Where tokens come from, in order: service account, bearer token, command, cache, sign-in. */
// Every operation here opens its own tunnel (noConnectionReuse): what is tested happens when a tunnel opens.
class TokenSourcesTest extends TestbedTest {

  private void lsRemote(PomeriumSshSessionFactory pomerium) throws Exception {
    Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
  }

  private PomeriumEndpoint endpoint() {
    return PomeriumEndpoint.parse(testbed.gateway.url());
  }

  @Test
  void aServiceAccountTokenComesBeforeTheCacheAndARotatedFileIsPickedUp() throws Exception {
    TokenStore.directory(testbed.tokenCache).store(endpoint(), PomeriumToken.pomerium("cached-user-token"));
    Path file = Files.writeString(dir.resolve("service-account.jwt"), Testbed.TOKEN + "\n");
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse().tokenFile(file).build()) {
      lsRemote(pomerium);
      testbed.gateway.revokeAllTokens();
      testbed.gateway.requireToken("rotated-service-account-token");
      Files.writeString(file, "rotated-service-account-token");
      lsRemote(pomerium);
    }
    assertEquals("Pomerium " + Testbed.TOKEN, testbed.gateway.requests().get(0).authorization());
    assertEquals("Pomerium rotated-service-account-token", testbed.gateway.requests().get(1).authorization());
    assertEquals(0, testbed.gateway.signInCount());
  }

  @Test
  void aRejectedMachineCredentialFailsInsteadOfOpeningABrowser() {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .token("expired-service-account-token")
        .build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      assertInstanceOf(PomeriumSignInRequiredException.class, PomeriumException.causeOf(e).orElseThrow());
      assertTrue(e.getMessage().contains("(HTTP 401): the token was rejected and the token source has no newer one"),
          e.getMessage());
    }
    assertEquals(0, testbed.browser.opened());
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void anIdentityProviderTokenIsSentAsBearer() {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .bearerToken("idp-access-token").build()) {
      assertThrows(TransportException.class, () -> lsRemote(pomerium)); // the test gateway takes Pomerium JWTs only
    }
    assertEquals("Bearer idp-access-token", testbed.gateway.requests().get(0).authorization());
  }

  @Test
  void aTokenCommandsOutputIsTheTokenAndItSeesWhichPomeriumAsks() throws Exception {
    String command = "test \"$POMERIUM_URL\" = '" + endpoint().url() + "' && test \"$POMERIUM_DESTINATION\" = "
        + "git.corp.example.com:22 && echo 'helper: fetching' >&2 && printf '%s\\n' " + Testbed.TOKEN;
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .tokenCommand(command).build()) {
      lsRemote(pomerium);
    }
    assertEquals("Pomerium " + Testbed.TOKEN, testbed.gateway.requests().get(0).authorization());
  }

  @Test
  void aFailingTokenCommandReportsItsStatusAndLastErrorLine() {
    try (PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .tokenCommand("echo 'helper: not signed in, run helper login' >&2; exit 3").build()) {
      TransportException e = assertThrows(TransportException.class, () -> lsRemote(pomerium));
      assertTrue(e.getMessage().contains("could not get a token for Pomerium at localhost:" + testbed.gateway.port()
          + " (for git.corp.example.com:22): the token command exited with status 3: helper: not signed in, run "
          + "helper login"), e.getMessage());
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void closingTheFactoryCancelsASignInThatWaitsForTheUser() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    PomeriumSshSessionFactory pomerium = testbed.signInFactory().noConnectionReuse()
        .browserLauncher(url -> started.countDown())
        .signInTimeout(Duration.ofMinutes(5))
        .build();
    CompletableFuture<Void> connection = CompletableFuture.runAsync(() -> {
      try {
        lsRemote(pomerium);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    long start = System.nanoTime();
    pomerium.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> connection.get(10, TimeUnit.SECONDS));
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
    assertTrue(GitThroughPomeriumTest.messages(e).contains("the sign-in was cancelled"),
        GitThroughPomeriumTest.messages(e));
  }
}
