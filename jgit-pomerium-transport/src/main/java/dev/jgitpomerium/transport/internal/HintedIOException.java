package dev.jgitpomerium.transport.internal;

import java.io.IOException;

/**
 * A failure below the tunnel whose message ends with what to do ({@link #hint()}), so that the {@link
 * dev.jgitpomerium.transport.PomeriumException} made from it can carry that advice as its own hint.
 */
public final class HintedIOException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String hint;

  /** {@code what}, then a space and {@code hint}. */
  public HintedIOException(String what, String hint) {
    super(what + " " + hint);
    this.hint = hint;
  }

  /** The end of the message that says what to do. */
  public String hint() {
    return hint;
  }
}
