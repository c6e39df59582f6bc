package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link TokenStore#locked}'s default: one holder per store and endpoint within this JVM. */
class TokenStoreDefaultLockTest {
  private static final PomeriumEndpoint ENDPOINT = PomeriumEndpoint.parse("https://pomerium.corp.example.com");
  private static final PomeriumEndpoint OTHER = PomeriumEndpoint.parse("https://other.corp.example.com");

  /** {@code store.locked} in another thread: what it returned, or a {@link CompletionException} with its failure. */
  private static String lockedInAnotherThread(TokenStore store, PomeriumEndpoint endpoint, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return store.locked(endpoint, timeout, () -> "got the lock");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Test
  void whileOneHoldsTheLockAnotherForTheSameEndpointWaitsAndGivesUpAtItsTimeout() throws Exception {
    TokenStore store = TokenStore.inMemory();
    String result = store.locked(ENDPOINT, Duration.ofSeconds(5), () -> {
      CompletionException e = assertThrows(CompletionException.class,
          () -> lockedInAnotherThread(store, ENDPOINT, Duration.ofMillis(100)));
      IOException failure = assertInstanceOf(IOException.class, e.getCause().getCause());
      assertEquals("another sign-in to Pomerium at pomerium.corp.example.com:443 has held the token store memory "
          + "(this process only) for 100 ms", failure.getMessage());
      assertEquals("got the lock", lockedInAnotherThread(store, OTHER, Duration.ofMillis(100)),
          "another endpoint has a lock of its own");
      assertEquals("got the lock", lockedInAnotherThread(TokenStore.inMemory(), ENDPOINT, Duration.ofMillis(100)),
          "another in-memory store has a lock of its own");
      return "first";
    });
    assertEquals("first", result);
    assertEquals("got the lock", lockedInAnotherThread(store, ENDPOINT, Duration.ofMillis(100)));
  }

  @Test
  void directoryStoresOfOneDirectoryAreEqualSoTheyShareSignIns() {
    java.nio.file.Path directory = java.nio.file.Path.of("/tmp/tokens");
    assertEquals(TokenStore.directory(directory), TokenStore.directory(directory));
    assertNotEquals(TokenStore.directory(directory), TokenStore.directory(directory.resolve("other")));
  }
}
