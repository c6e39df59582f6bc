package dev.jgitpomerium.transport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what SLF4J's simple binding writes (it writes to the current {@code System.err}) while open. Tests use it
 * to assert warnings that must appear and secrets that must not.
 */
final class CapturedLog implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

  CapturedLog() {
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
  }

  String text() {
    return buffer.toString(StandardCharsets.UTF_8);
  }

  long count(String needle) {
    return text().lines().filter(line -> line.contains(needle)).count();
  }

  @Override
  public void close() {
    System.setErr(original);
    original.print(text());
  }
}
