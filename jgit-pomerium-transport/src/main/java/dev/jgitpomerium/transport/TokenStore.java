package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.token.FileTokenStore;
import dev.jgitpomerium.transport.internal.token.MemoryTokenStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Keeps the tokens that sign-ins produce, one per Pomerium endpoint, so that the user signs in once and not at every
 * connection.
 *
 * <p>The default, {@link #pomeriumCli()}, is the token cache of pomerium-cli itself: someone who signed in with
 * pomerium-cli is not asked again here, and the reverse. A token is discarded only when Pomerium rejects it as needing
 * sign-in (401 or a redirect), never on 403, 404, 503 or a network error.
 *
 * <p>Implementations must be safe for use from many threads and must never log token values.
 */
public interface TokenStore {

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
