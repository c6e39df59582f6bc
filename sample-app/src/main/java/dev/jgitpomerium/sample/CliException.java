package dev.jgitpomerium.sample;

/** A failure whose message is already what the user should read; no stack trace, whatever --verbose says. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
