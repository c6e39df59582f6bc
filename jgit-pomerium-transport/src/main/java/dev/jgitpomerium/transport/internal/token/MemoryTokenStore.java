package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.TokenStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link TokenStore#inMemory()}. */
public final class MemoryTokenStore implements TokenStore {
  private final Map<PomeriumEndpoint, PomeriumToken> tokens = new ConcurrentHashMap<>();

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
  public void discard(PomeriumEndpoint endpoint, PomeriumToken rejected) {
    if (rejected != null) {
      tokens.remove(endpoint, rejected);
    }
  }

  @Override
  public void clearAll() {
    tokens.clear();
  }

  @Override
  public String location() {
    return "memory (this process only)";
  }

  @Override
  public String toString() {
    return "TokenStore.inMemory()";
  }
}
