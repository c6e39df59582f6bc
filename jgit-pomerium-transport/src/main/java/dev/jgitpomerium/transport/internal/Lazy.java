package dev.jgitpomerium.transport.internal;

import java.util.function.Supplier;

/** A value computed on first use, once; a failure is not cached, so a fixed configuration is picked up next time. */
public final class Lazy<T> implements Supplier<T> {
  private final Supplier<T> compute;
  private volatile T value;

  private Lazy(Supplier<T> compute) {
    this.compute = compute;
  }

  public static <T> Lazy<T> of(Supplier<T> compute) {
    return new Lazy<>(compute);
  }

  /** A value computed already. */
  public static <T> Lazy<T> done(T value) {
    Lazy<T> done = new Lazy<>(() -> value);
    done.value = value;
    return done;
  }

  /** The value if it has been computed, else {@code null}; never computes it. */
  public T peek() {
    return value;
  }

  @Override
  public T get() {
    T v = value;
    if (v == null) {
      synchronized (this) {
        v = value;
        if (v == null) {
          v = compute.get();
          value = v;
        }
      }
    }
    return v;
  }
}
