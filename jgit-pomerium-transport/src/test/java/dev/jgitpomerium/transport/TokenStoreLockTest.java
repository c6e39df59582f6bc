package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.PomeriumGateway;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;

/** A sign-in runs under its token store's own lock, so a custom store shared by two programs keeps them to one. */
class TokenStoreLockTest extends TestbedTest {

  /**
   * One program's view of a token cache that two programs share, as two processes share pomerium-cli's directory:
   * the tokens and the lock are the cache's, the store objects are not equal.
   */
  private static final class SharedCacheStore implements TokenStore {
    private final Map<PomeriumEndpoint, PomeriumToken> tokens;
    private final ReentrantLock lock;
    private final CompletableFuture<Void> someoneWaited;
    final AtomicInteger lockedCalls = new AtomicInteger();

    SharedCacheStore(Map<PomeriumEndpoint, PomeriumToken> tokens, ReentrantLock lock,
        CompletableFuture<Void> someoneWaited) {
      this.tokens = tokens;
      this.lock = lock;
      this.someoneWaited = someoneWaited;
    }

    @Override
    public PomeriumToken load(PomeriumEndpoint endpoint) {
      return tokens.get(endpoint);
    }

    @Override
    public void store(PomeriumEndpoint endpoint, PomeriumToken token) {
      tokens.put(endpoint, token);
    }

    @Override
    public void clear(PomeriumEndpoint endpoint) {
      tokens.remove(endpoint);
    }

    @Override
    public void clearAll() {
      tokens.clear();
    }

    @Override
    public <T> T locked(PomeriumEndpoint endpoint, Duration timeout, LockedWork<T> work) throws IOException {
      lockedCalls.incrementAndGet();
      if (!lock.tryLock()) {
        someoneWaited.complete(null);
        lock.lock();
      }
      try {
        return work.run();
      } finally {
        lock.unlock();
      }
    }
  }

  @Test
  void twoProgramsSharingACustomStoreSignInOnceThroughItsLock() throws Exception {
    restartTestbed("held-sign-in", PomeriumGateway.Builder::holdSignIns);
    Map<PomeriumEndpoint, PomeriumToken> cache = new ConcurrentHashMap<>();
    ReentrantLock cacheLock = new ReentrantLock();
    CompletableFuture<Void> secondWaits = new CompletableFuture<>();
    SharedCacheStore firstStore = new SharedCacheStore(cache, cacheLock, secondWaits);
    SharedCacheStore secondStore = new SharedCacheStore(cache, cacheLock, secondWaits);
    try (PomeriumSshSessionFactory first = testbed.signInFactory().tokenStore(firstStore).build();
        PomeriumSshSessionFactory second = testbed.signInFactory().tokenStore(secondStore).build()) {
      CompletableFuture<Void> firstLsRemote = CompletableFuture.runAsync(() -> lsRemote(first));
      assertTrue(testbed.gateway.awaitSignInsInProgress(1, Duration.ofSeconds(10)), "first sign-in started");
      CompletableFuture<Void> secondLsRemote = CompletableFuture.runAsync(() -> lsRemote(second));
      // The first sign-in stays on the sign-in page until the second program is seen waiting on the store's lock.
      secondWaits.get(30, TimeUnit.SECONDS);
      testbed.gateway.releaseSignIns();
      firstLsRemote.get(30, TimeUnit.SECONDS);
      secondLsRemote.get(30, TimeUnit.SECONDS);
    }
    assertEquals(1, testbed.gateway.signInCount());
    assertEquals(1, firstStore.lockedCalls.get());
    assertEquals(1, secondStore.lockedCalls.get());
    assertEquals(PomeriumToken.pomerium(testbed.gateway.issuedTokens().get(0)),
        cache.get(PomeriumEndpoint.parse(testbed.gateway.url())));
  }

  private static void lsRemote(PomeriumSshSessionFactory pomerium) {
    try {
      Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
