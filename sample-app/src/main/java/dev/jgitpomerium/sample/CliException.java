package dev.jgitpomerium.sample;

/** A failure whose message is already what the user should read; no stack trace, whatever --verbose says. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean usage;

  CliException(String message) {
    this(message, null);
  }

  CliException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private CliException(String message, Throwable cause, boolean usage) {
    super(message, cause);
    this.usage = usage;
  }

  /** A command line that cannot be run as given (a malformed argument): exit status 2, as for picocli's own. */
  static CliException usage(String message, Throwable cause) {
    return new CliException(message, cause, true);
  }

  boolean usage() {
    return usage;
  }
}
