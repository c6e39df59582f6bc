package dev.jgitpomerium.transport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The SSH server's host key was not accepted, for one of the reasons OpenSSH distinguishes: the host is not in
 * {@code known_hosts} at all ({@link Kind#UNKNOWN}), it is there with another key of the same type ({@link
 * Kind#CHANGED}, which may be an impersonation), or the key is marked {@code @revoked} ({@link Kind#REVOKED}). The
 * message is OpenSSH's text for the case, with the fingerprints, the file and line, and what to do.
 *
 * <p>JGit reports it as the cause of its {@code TransportException}; find it with {@link #causeOf(Throwable)}.
 */
public final class HostKeyException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why the key was refused. */
  public enum Kind {
    /** No key of any type is known for the host (or none of the offered type, and the user did not accept it). */
    UNKNOWN,
    /** A different key of the same type is known for the host: it changed, or someone impersonates the server. */
    CHANGED,
    /** The key (or the CA that signed its certificate) is marked {@code @revoked}. */
    REVOKED
  }

  /** As {@link #kind()} returns it. */
  private final Kind kind;
  /** As {@link #host()} returns it. */
  private final String host;
  /** As {@link #keyType()} returns it. */
  private final String keyType;
  /** As {@link #fingerprint()} returns it. */
  private final String fingerprint;
  /** As {@link #knownFingerprint()} returns it. */
  private final String knownFingerprint;
  private final transient Path file;
  /** As {@link #line()} returns it. */
  private final int line;

  /**
   * @param host the name the key was looked up under: {@code host}, {@code [host]:port}, or the HostKeyAlias
   * @param keyType the offered key's type as OpenSSH names it, e.g. {@code ED25519}
   * @param fingerprint the offered key's {@code SHA256:} fingerprint
   * @param knownFingerprint for {@link Kind#CHANGED}, the known key's fingerprint; else null
   * @param file the known_hosts file of the offending line, or (unknown host) the one a key would be added to
   * @param line the offending line (1-based), or 0
   */
  public HostKeyException(Kind kind, String host, String keyType, String fingerprint, String knownFingerprint,
      Path file, int line, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind == null");
    this.host = host;
    this.keyType = keyType;
    this.fingerprint = fingerprint;
    this.knownFingerprint = knownFingerprint;
    this.file = file;
    this.line = line;
  }

  /** Why the key was refused. */
  public Kind kind() {
    return kind;
  }

  /** The name the key was looked up under in known_hosts ({@code [host]:port} for ports other than 22). */
  public String host() {
    return host;
  }

  /** The offered key's type, as OpenSSH prints it ({@code ED25519}, {@code ECDSA}, {@code RSA}). */
  public String keyType() {
    return keyType;
  }

  /** The offered key's fingerprint, {@code SHA256:...}. */
  public String fingerprint() {
    return fingerprint;
  }

  /** For {@link Kind#CHANGED}: the fingerprint of the key known_hosts holds for the host; otherwise null. */
  public String knownFingerprint() {
    return knownFingerprint;
  }

  /** The known_hosts file of {@link #line()}, or for an unknown host the file a key would be added to; may be null. */
  public Path knownHostsFile() {
    return file;
  }

  /** The 1-based line of the changed or revoked entry in {@link #knownHostsFile()}, or 0. */
  public int line() {
    return line;
  }

  /** The first {@code HostKeyException} in {@code failure}'s cause chain, or null. */
  public static HostKeyException causeOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof HostKeyException e) {
        return e;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
