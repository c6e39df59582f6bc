package dev.jgitpomerium.transport.internal.session;

import java.util.ArrayList;
import java.util.List;

/**
 * What this library learned about the user's keys while one JGit connection was being made (an agent that could not
 * be reached, a certificate that has expired), to be added to JGit's message if the server then turns the login down:
 * JGit's own says only "publickey: no keys to try" or names the keys it tried.
 *
 * <p>One instance per {@code getSession} call: set for the connecting thread by {@link #during}, and taken by the
 * parts JGit builds on that thread (the agent connector factory, the ssh config lookup), which may report from sshd's
 * threads later.
 */
public final class AuthenticationNotes {
  private static final ThreadLocal<AuthenticationNotes> CURRENT = new ThreadLocal<>();

  private final List<String> notes = new ArrayList<>();

  /** The notes of the connection being made on this thread, or a throwaway instance outside one. */
  public static AuthenticationNotes current() {
    AuthenticationNotes notes = CURRENT.get();
    return notes != null ? notes : new AuthenticationNotes();
  }

  /** Runs {@code connect} with {@code notes} as this thread's current notes. */
  public static <T, E extends Exception> T during(AuthenticationNotes notes, ThrowingSupplier<T, E> connect) throws E {
    AuthenticationNotes previous = CURRENT.get();
    CURRENT.set(notes);
    try {
      return connect.get();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  /** A supplier that may throw. */
  @FunctionalInterface
  public interface ThrowingSupplier<T, E extends Exception> {
    T get() throws E;
  }

  /** Adds a sentence (no secrets: paths, fingerprints, dates). Repeats are kept once. */
  public synchronized void add(String note) {
    if (!notes.contains(note)) {
      notes.add(note);
    }
  }

  public synchronized List<String> all() {
    return List.copyOf(notes);
  }
}
