package dev.jgitpomerium.transport;

/**
 * A jgit-pomerium setting given outside code (a system property, an environment variable, a key of {@link
 * PomeriumSshSessionFactory#builderFromSettings}, a Spring property) has a value that cannot be used. The message
 * names the setting and says why; it never holds the value of a token.
 */
public class InvalidSettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** As {@link #setting()} returns it. */
  private final String setting;
  /** As {@link #reason()} returns it. */
  private final String reason;

  /**
   * @param setting the setting's name, as {@link #setting()} returns it
   * @param described how the message names the setting (e.g. with its environment variable)
   * @param reason why the value cannot be used
   */
  public InvalidSettingException(String setting, String described, String reason, Throwable cause) {
    super("invalid jgit-pomerium setting " + described + ": " + reason, cause);
    this.setting = setting;
    this.reason = reason;
  }

  /** The setting's name, for example {@code jgit.pomerium.tokenFile}. */
  public String setting() {
    return setting;
  }

  /** Why the value cannot be used, without the setting's name, e.g. {@code cannot read CA certificate file ...}. */
  public String reason() {
    return reason;
  }
}
