package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshConstants;

/**
 * The ssh config entries JGit looked up for one session, on the connecting thread: the target first, then its jump
 * hosts. The one resolution JGit's lookup made is what keepalive, default keys and failure messages use: ssh config
 * is not read again for them.
 */
public final class SessionLookups {
  private static final ThreadLocal<SessionLookups> CURRENT = new ThreadLocal<>();

  private final List<SshConfig.HostEntry> entries = new ArrayList<>();
  /** Whether the target's config names an IdentityFile: OpenSSH then offers none of the default keys. */
  private volatile boolean targetNamesIdentityFiles;

  /** A JGit call that opens a session. */
  @FunctionalInterface
  public interface Opener<T, E extends Exception> {
    T open() throws E;
  }

  /** Runs {@code opener} with {@code lookups} collecting what JGit looks up on this thread meanwhile. */
  public static <T, E extends Exception> T during(SessionLookups lookups, Opener<T, E> opener) throws E {
    SessionLookups outer = CURRENT.get();
    CURRENT.set(lookups);
    try {
      return opener.open();
    } finally {
      CURRENT.set(outer);
    }
  }

  /** The lookups of the session being opened on this thread, or null. */
  public static SessionLookups current() {
    return CURRENT.get();
  }

  /** Records a lookup JGit made on this thread, if a session is being opened. */
  public static void record(SshConfig.HostEntry entry, SshConfigStore.HostConfig jgit) {
    SessionLookups lookups = CURRENT.get();
    if (lookups == null) {
      return;
    }
    if (lookups.entries.isEmpty()) {
      List<String> identities = jgit.getValues(SshConstants.IDENTITY_FILE);
      lookups.targetNamesIdentityFiles = identities != null && !identities.isEmpty();
    }
    lookups.entries.add(entry);
  }

  /** The entries looked up, the target's first (empty without ssh config). */
  public List<SshConfig.HostEntry> entries() {
    return entries;
  }

  /** The target's entry, or null without ssh config. */
  public SshConfig.HostEntry target() {
    return entries.isEmpty() ? null : entries.get(0);
  }

  public boolean targetNamesIdentityFiles() {
    return targetNamesIdentityFiles;
  }
}
