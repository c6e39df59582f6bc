package dev.jgitpomerium.transport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Authentication failed, and a private key that might have logged in is passphrase-protected and could not be
 * decrypted: nothing could ask for its passphrase (no {@code CredentialsProvider} on the JGit command, and {@code
 * SSH_ASKPASS} not to be used by OpenSSH's rules; the command line also has no terminal), or the passphrase given was
 * wrong every time. The message names the key files, what was missing in this process and what to do; it never
 * contains a passphrase.
 *
 * <p>JGit reports it as the cause of its {@code TransportException}; find it with {@link #causeOf(Throwable)}.
 */
public final class KeyPassphraseException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why a key could not be used. */
  public enum Reason {
    /** Nothing was there to ask for the passphrase: no CredentialsProvider, and no SSH_ASKPASS that may be used. */
    NO_WAY_TO_ASK,
    /** The passphrase was asked for and was wrong each time. */
    WRONG_PASSPHRASE
  }

  /** As {@link #reason()} returns it. */
  private final Reason reason;
  private final transient List<Path> keyFiles;
  /** As {@link #attempts()} returns it. */
  private final int attempts;

  /**
   * @param keyFiles the passphrase-protected key files that could not be used; copied
   * @param attempts for {@link Reason#WRONG_PASSPHRASE}, how many times a passphrase was asked for per key; else 0
   * @throws NullPointerException if {@code keyFiles} is null or contains null
   */
  public KeyPassphraseException(Reason reason, List<Path> keyFiles, int attempts, String message) {
    super(message);
    this.reason = reason;
    this.keyFiles = List.copyOf(keyFiles);
    this.attempts = attempts;
  }

  /** Why the keys could not be used. */
  public Reason reason() {
    return reason;
  }

  /** The passphrase-protected key files that could not be used. */
  public List<Path> keyFiles() {
    return keyFiles;
  }

  /** For {@link Reason#WRONG_PASSPHRASE}: how many times a passphrase was asked for per key; else 0. */
  public int attempts() {
    return attempts;
  }

  /** The first {@code KeyPassphraseException} in {@code failure}'s cause chain, or null. */
  public static KeyPassphraseException causeOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof KeyPassphraseException e) {
        return e;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
