package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.lang.reflect.Field;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.common.AttributeRepository;
import org.eclipse.jgit.internal.transport.sshd.JGitClientSession;
import org.eclipse.jgit.internal.transport.sshd.JGitSshClient;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's ssh config entry and session, read from the configuration JGit hands {@link KnownHosts} (which carries
 * only some settings), through two fields of JGit 7.8.1 that {@code HostKeysTest} guards across upgrades.
 */
final class JGitHostEntries {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.HOST_KEYS);
  private static final String HOST_KEY_ALIAS = "HostKeyAlias";
  private static final Field SESSION = sessionField();
  private static final AttributeRepository.AttributeKey<HostConfigEntry> HOST_CONFIG_ENTRY = hostConfigEntryKey();

  private JGitHostEntries() {}

  private static Field sessionField() {
    try {
      Class<?> sessionConfig =
          Class.forName("org.eclipse.jgit.internal.transport.sshd.JGitServerKeyVerifier$SessionConfig");
      Field field = sessionConfig.getDeclaredField("session");
      field.setAccessible(true);
      return JGitClientSession.class.isAssignableFrom(field.getType()) ? field : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** JGit 7.8.1's {@code JGitSshClient.HOST_CONFIG_ENTRY}: the host entry a session is created for. */
  @SuppressWarnings("unchecked")
  private static AttributeRepository.AttributeKey<HostConfigEntry> hostConfigEntryKey() {
    try {
      Field field = JGitSshClient.class.getDeclaredField("HOST_CONFIG_ENTRY");
      field.setAccessible(true);
      return field.get(null) instanceof AttributeRepository.AttributeKey<?> key
          ? (AttributeRepository.AttributeKey<HostConfigEntry>) key : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** The session JGit's configuration object wraps (JGit 7.8.1's {@code SessionConfig.session}), or null. */
  static JGitClientSession session(Configuration config) {
    if (SESSION == null || !SESSION.getDeclaringClass().isInstance(config)) {
      return null;
    }
    try {
      return SESSION.get(config) instanceof JGitClientSession session ? session : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("cannot read JGit's session from its host key configuration: {}", e.toString());
      return null;
    }
  }

  /**
   * The host's whole ssh config entry, of which JGit hands the key database only some settings. JGit sets it on the
   * session only once connected; before that (the key exchange of a direct connection starts earlier) it is the
   * attribute JGit created the session with. A test fails if either moves.
   */
  static HostConfigEntry hostEntry(Configuration config) {
    JGitClientSession session = session(config);
    if (session == null) {
      return null;
    }
    HostConfigEntry entry = session.getHostConfigEntry();
    return entry != null || HOST_CONFIG_ENTRY == null ? entry : session.resolveAttribute(HOST_CONFIG_ENTRY);
  }

  /** The host's HostKeyAlias, or null. */
  static String hostKeyAlias(Configuration config) {
    HostConfigEntry entry = hostEntry(config);
    String alias = entry == null ? null : entry.getProperty(HOST_KEY_ALIAS);
    return alias == null || alias.isBlank() ? null : alias.strip();
  }

  /** The host as written in the git URL ({@link SshConfig#HOST_AS_GIVEN}), or null. */
  static String hostAsGiven(Configuration config) {
    HostConfigEntry entry = hostEntry(config);
    String host = entry == null ? null : entry.getProperty(SshConfig.HOST_AS_GIVEN);
    return host == null || host.isBlank() ? null : host;
  }

  /** See {@link KnownHosts#canReadHostKeyAlias()}. */
  static boolean canReadHostKeyAlias() {
    return SESSION != null && HOST_CONFIG_ENTRY != null;
  }
}
