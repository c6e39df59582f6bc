package dev.jgitpomerium.transport.internal.signin;

import dev.jgitpomerium.transport.PomeriumToken;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sign-in at a time: callers in this JVM that need the same sign-in share the one in flight, and the token store's
 * lock ({@link dev.jgitpomerium.transport.TokenStore#locked}) makes other processes wait for it (then they find its
 * token in the shared store). pomerium-cli has neither, so sixteen parallel fetches there open sixteen browser tabs.
 */
public final class SignIns {
  private static final Logger log = LoggerFactory.getLogger(SignIns.class);
  private static final Map<Object, CompletableFuture<PomeriumToken>> IN_FLIGHT = new ConcurrentHashMap<>();

  private SignIns() {}

  /** A step that may block and fail with an {@link IOException}. */
  @FunctionalInterface
  public interface IoSupplier<T> {
    T get() throws IOException;
  }

  /** Runs {@code signIn} unless a caller with the same {@code key} already is, in which case its result is shared. */
  public static PomeriumToken shared(Object key, Duration timeout, IoSupplier<PomeriumToken> signIn)
      throws IOException {
    CompletableFuture<PomeriumToken> mine = new CompletableFuture<>();
    CompletableFuture<PomeriumToken> running = IN_FLIGHT.putIfAbsent(key, mine);
    if (running != null) {
      log.debug("joining the sign-in already in progress for {}", key);
      return join(running, timeout);
    }
    try {
      PomeriumToken token = signIn.get();
      mine.complete(token);
      return token;
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      IN_FLIGHT.remove(key, mine);
    }
  }

  private static PomeriumToken join(CompletableFuture<PomeriumToken> running, Duration timeout) throws IOException {
    try {
      return running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IOException(cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IOException("the sign-in in progress did not finish within " + timeout.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a sign-in");
    }
  }
}
