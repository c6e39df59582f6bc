package dev.jgitpomerium.sample;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jgitpomerium.transport.SshPrompts;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.CredentialsProvider;

/**
 * JGit's questions (a key's passphrase, whether to trust a host key) asked as OpenSSH asks them: on the terminal
 * ({@code /dev/tty}, never standard output; echo off for secrets), or through {@code SSH_ASKPASS}, chosen by the
 * library's {@link SshPrompts} from {@code SSH_ASKPASS_REQUIRE}, {@code DISPLAY} and {@code WAYLAND_DISPLAY} exactly
 * as OpenSSH's {@code read_passphrase} does (see {@code man ssh}, ENVIRONMENT). The terminal is this class's part: the
 * library never reads it.
 */
final class TerminalPrompts implements SshPrompts.Terminal {
  private static final File TTY = new File("/dev/tty");

  private TerminalPrompts() {}

  /**
   * The prompts for this process's environment, or null when nothing can ask (no terminal, no askpass allowed); the
   * library then says what was missing.
   */
  static CredentialsProvider fromEnvironment(UnaryOperator<String> environment) {
    return SshPrompts.fromEnvironment(environment, new TerminalPrompts());
  }

  @Override
  public String read(String prompt, boolean echo) {
    return readTty(prompt, echo);
  }

  @Override
  public void show(String text) {
    try (OutputStream tty = new FileOutputStream(TTY)) {
      tty.write(text.getBytes(UTF_8));
      tty.flush();
    } catch (IOException e) {
      System.err.print(text);
    }
  }

  /** Like OpenSSH's readpassphrase(): the prompt and the answer on /dev/tty, echo off for a secret. */
  private static String readTty(String prompt, boolean echo) {
    try (InputStream in = new FileInputStream(TTY); OutputStream out = new FileOutputStream(TTY)) {
      // Echo goes off before the prompt shows, so that nothing typed at once is echoed.
      boolean echoOff = !echo && stty("-echo");
      try {
        out.write(prompt.getBytes(UTF_8));
        out.flush();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n' && b != '\r') {
          line.write(b);
        }
        if (b == -1 && line.size() == 0) {
          return null;
        }
        return line.toString(UTF_8);
      } finally {
        if (echoOff) {
          stty("echo");
          out.write('\n');
          out.flush();
        }
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** Changes the terminal's mode with stty, reading /dev/tty: Java has no termios of its own. */
  private static boolean stty(String mode) {
    try {
      Process stty = new ProcessBuilder("stty", mode).redirectInput(ProcessBuilder.Redirect.from(TTY))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      return stty.waitFor(10, TimeUnit.SECONDS) && stty.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
