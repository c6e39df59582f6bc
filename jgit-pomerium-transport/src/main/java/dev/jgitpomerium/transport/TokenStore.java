package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.token.FileTokenStore;
import dev.jgitpomerium.transport.internal.token.MemoryTokenStore;
import dev.jgitpomerium.transport.internal.token.TokenStoreLocks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Keeps the tokens that sign-ins produce, one per Pomerium endpoint, so that the user signs in once and not at every
 * connection.
 *
 * <p>The default, {@link #pomeriumCli()}, is the token cache of pomerium-cli itself: someone who signed in with
 * pomerium-cli is not asked again here, and the reverse. A token is discarded only when Pomerium rejects it as needing
 * sign-in (401 or a redirect), never on 403, 404, 503 or a network error.
 *
 * <p>A sign-in runs under the store's lock for its endpoint ({@link #locked}), so that of everyone sharing the store
 * one person signs in once, not once per program. A store that several processes share must make that lock one they
 * share too.
 *
 * <p>Implementations must be safe for use from many threads and must never log token values.
 */
public interface TokenStore {

  /** What runs under a store's lock: read the store, sign in if still needed, write the token. */
  @FunctionalInterface
  interface LockedWork<T> {
    /**
     * Does the work; the lock is released when it returns or throws.
     *
     * @return what {@link TokenStore#locked} returns
     */
    T run() throws IOException;
  }

  /** The stored token for {@code endpoint}, or {@code null}; unreadable or malformed content counts as none. */
  PomeriumToken load(PomeriumEndpoint endpoint) throws IOException;

  /** Stores {@code token} for {@code endpoint}, replacing any other. */
  void store(PomeriumEndpoint endpoint, PomeriumToken token) throws IOException;

  /** Removes the token for {@code endpoint}: signs out. */
  void clear(PomeriumEndpoint endpoint) throws IOException;

  /**
   * Removes the token for {@code endpoint} if it is still {@code rejected}: another process may have stored a fresh
   * one meanwhile, which must survive.
   */
  default void discard(PomeriumEndpoint endpoint, PomeriumToken rejected) throws IOException {
    if (rejected != null && rejected.equals(load(endpoint))) {
      clear(endpoint);
    }
  }

  /** Removes every stored token, for every endpoint: signs out everywhere (pomerium-cli's {@code cache clear}). */
  void clearAll() throws IOException;

  /**
   * Runs {@code work} while holding this store's lock for {@code endpoint}, waiting at most {@code timeout} for
   * whoever holds it. The library calls it around a sign-in: {@code work} reads the store (someone may have signed in
   * while it waited), signs in if it must and stores the token; others sharing the store wait, then find that token.
   *
   * <p>The default lock is held within this JVM only, per store (stores that are {@code equals} share it) and
   * endpoint: right for a store no other process reads, such as {@link #inMemory()}. A store that other processes
   * share (files, a keychain, a server) must override it with a lock those processes share as well, or each of them
   * starts a sign-in of its own. {@link #pomeriumCli()} and {@link #directory} lock a file beside the token, which
   * the operating system releases when a process dies.
   *
   * @throws IOException when the lock is not had within {@code timeout} ({@link java.io.InterruptedIOException} when
   *     interrupted), or as {@code work} throws it
   */
  default <T> T locked(PomeriumEndpoint endpoint, Duration timeout, LockedWork<T> work) throws IOException {
    return TokenStoreLocks.inProcess(this, endpoint, timeout, work);
  }

  /** Where the tokens are, for people: a directory, or "memory". */
  default String location() {
    return toString();
  }

  /**
   * pomerium-cli's cache: {@code $XDG_CACHE_HOME} (else {@code ~/.cache}) on Linux, {@code ~/Library/Caches} on
   * macOS, {@code %LocalAppData%} on Windows, then {@code pomerium-cli/jwts/}; same file names, raw JWT content,
   * files 0600, replaced atomically. A lock file beside each token lets one process sign in while others wait for it.
   */
  static TokenStore pomeriumCli() {
    return FileTokenStore.pomeriumCli();
  }

  /** pomerium-cli's file format, in another directory. */
  static TokenStore directory(Path directory) {
    return new FileTokenStore(directory);
  }

  /** Tokens kept in this store object only: nothing on disk, nothing shared with other processes. */
  static TokenStore inMemory() {
    return new MemoryTokenStore();
  }
}
