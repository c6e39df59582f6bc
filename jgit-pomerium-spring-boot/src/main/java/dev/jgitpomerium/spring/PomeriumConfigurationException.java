package dev.jgitpomerium.spring;

/**
 * The {@code jgit.pomerium.*} settings cannot make a {@link dev.jgitpomerium.transport.PomeriumSshSessionFactory}:
 * the application does not start, and Spring Boot reports which property is wrong and why. The message never holds a
 * token.
 */
public class PomeriumConfigurationException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** As {@link #property()} returns it. */
  private final String property;
  /** As {@link #origin()} returns it. */
  private final String origin;
  /** As {@link #reason()} returns it. */
  private final String reason;

  PomeriumConfigurationException(String property, String origin, String reason, Throwable cause) {
    super(describe(property, origin) + ": " + reason, cause);
    this.property = property;
    this.origin = origin;
    this.reason = reason;
  }

  /** The property at fault, in Spring's form ({@code jgit.pomerium.ca-file}); null when the settings fail together. */
  public String property() {
    return property;
  }

  /**
   * Where the property was set ({@code class path resource [application.yml] - 4:14}, {@code
   * "JGIT_POMERIUM_CA_FILE" from property source "systemEnvironment"}), or null if Spring cannot tell.
   */
  public String origin() {
    return origin;
  }

  /** Why the value cannot be used. */
  public String reason() {
    return reason;
  }

  static String describe(String property, String origin) {
    if (property == null) {
      return "the jgit.pomerium properties";
    }
    return origin == null ? property : property + " (" + origin + ")";
  }
}
