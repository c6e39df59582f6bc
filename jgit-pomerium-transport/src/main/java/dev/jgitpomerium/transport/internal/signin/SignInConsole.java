package dev.jgitpomerium.transport.internal.signin;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Where sign-in talks to the user: the sign-in address and hints go to {@code output} (standard error by default, never
 * standard output, which may be an SSH stream), and a headless sign-in reads the pasted address from {@code input}
 * (the terminal by default, never a redirected standard input).
 */
public final class SignInConsole {
  private final PrintStream output;
  private final Supplier<BufferedReader> input;

  private SignInConsole(PrintStream output, Supplier<BufferedReader> input) {
    this.output = output;
    this.input = input;
  }

  /** Standard error, and the terminal ({@link System#console()}) when there is one. */
  public static SignInConsole system() {
    return new SignInConsole(System.err, () -> {
      Console console = System.console();
      return console == null ? null : new BufferedReader(console.reader());
    });
  }

  public static SignInConsole of(InputStream in, PrintStream out) {
    BufferedReader reader = in == null ? null : new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    return new SignInConsole(out, () -> reader);
  }

  /** Whether someone can type here: the test for an interactive run. */
  public boolean hasInput() {
    return input.get() != null;
  }

  public void println(String line) {
    output.println(line);
    output.flush();
  }

  /** The next line typed, or {@code null} at end of input. */
  String readLine() throws IOException {
    BufferedReader reader = input.get();
    return reader == null ? null : reader.readLine();
  }
}
