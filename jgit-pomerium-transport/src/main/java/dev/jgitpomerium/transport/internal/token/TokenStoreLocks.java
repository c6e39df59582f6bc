package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.TokenStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link TokenStore#locked}'s default: a lock per store (equal stores share one) and endpoint, within this JVM. A lock
 * lives only while someone holds or waits for it, so that no store, and none of its tokens, is kept by this class.
 */
public final class TokenStoreLocks {
  private static final Map<List<Object>, Held> LOCKS = new HashMap<>(); // guarded by itself

  private static final class Held {
    final ReentrantLock lock = new ReentrantLock();
    int users; // guarded by LOCKS
  }

  private TokenStoreLocks() {}

  public static <T> T inProcess(TokenStore store, PomeriumEndpoint endpoint, Duration timeout,
      TokenStore.LockedWork<T> work) throws IOException {
    List<Object> key = List.of(store, endpoint);
    Held held;
    synchronized (LOCKS) {
      held = LOCKS.computeIfAbsent(key, k -> new Held());
      held.users++;
    }
    try {
      if (!held.lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new IOException("another sign-in to Pomerium at " + endpoint + " has held the token store "
            + store.location() + " for " + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s"
            : timeout.toMillis() + " ms"));
      }
      try {
        return work.run();
      } finally {
        held.lock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for another sign-in to Pomerium at " + endpoint);
    } finally {
      synchronized (LOCKS) {
        if (--held.users == 0) {
          LOCKS.remove(key);
        }
      }
    }
  }
}
