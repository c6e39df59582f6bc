package dev.jgitpomerium.transport.internal.reuse;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.time.Duration;

/**
 * Whether connections are shared, and how long one is kept when idle, as set in code or the environment; where that
 * says nothing (no policy at all), the host's {@code ControlMaster}, {@code ControlPath} and {@code ControlPersist}
 * in ssh config decide, else the default.
 *
 * @param enabled whether connections are shared
 * @param keepIdle how long an unused shared connection stays open ({@link SshConfig#PERSIST_UNTIL_CLOSED}: until the
 *     factory closes); null when not enabled
 */
public record ReusePolicy(boolean enabled, Duration keepIdle) {
  public static final Duration DEFAULT_KEEP_IDLE =
      Duration.ofSeconds(PomeriumSshSessionFactory.DEFAULT_CONNECTION_REUSE_SECONDS);
  public static final ReusePolicy OFF = new ReusePolicy(false, null);

  public static ReusePolicy keepIdle(Duration keepIdle) {
    return new ReusePolicy(true, keepIdle);
  }

  /**
   * How long a connection to {@code target} stays when idle, or null if it is not to be shared.
   *
   * @param set the policy set in code or the environment, or null
   * @param target the target's ssh config entry, or null without ssh config
   */
  public static Duration keepIdleFor(ReusePolicy set, SshConfig.HostEntry target) {
    if (set != null) {
      return set.enabled ? set.keepIdle : null;
    }
    if (target != null && Boolean.FALSE.equals(target.controlMaster())) {
      return null;
    }
    if (target != null && target.controlPersist() != null) {
      return target.controlPersist();
    }
    return DEFAULT_KEEP_IDLE;
  }
}
