package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.session.Askpass;
import dev.jgitpomerium.transport.internal.session.OpenSshPrompts;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.CredentialsProvider;

/**
 * JGit's questions (a key's passphrase, whether to trust a host key, a password) asked as OpenSSH asks them, for a
 * program that has a terminal: on that terminal, or through {@code SSH_ASKPASS}, chosen from {@code
 * SSH_ASKPASS_REQUIRE}, {@code DISPLAY} and {@code WAYLAND_DISPLAY} exactly as OpenSSH's {@code read_passphrase}
 * chooses (see {@code man ssh}, ENVIRONMENT). The library itself never reads a terminal: the program lends it one.
 *
 * <pre>{@code
 * CredentialsProvider.setDefault(SshPrompts.fromEnvironment(System::getenv, myTerminal));
 * }</pre>
 */
public final class SshPrompts {

  /** The program's terminal, on which a person answers. */
  public interface Terminal {
    /**
     * Shows {@code prompt} and reads one line; with {@code echo} false, what is typed is not shown (a passphrase).
     *
     * @return the line without its end, or null at end of input or when the terminal cannot be read
     */
    String read(String prompt, boolean echo);

    /** Shows messages that have no question after them. */
    void show(String text);
  }

  private SshPrompts() {}

  /**
   * A credentials provider that asks as OpenSSH would in {@code environment}, in this process: on {@code terminal}
   * when this process has a controlling terminal ({@code /dev/tty} opens) and askpass is not required, else through
   * the askpass program.
   *
   * @return the provider, or null when nothing may ask (no terminal and no askpass allowed); the library then says,
   *     when it needs an answer, what was missing
   */
  public static CredentialsProvider fromEnvironment(UnaryOperator<String> environment, Terminal terminal) {
    Askpass.Decision decision = Askpass.decide(environment, Askpass.controllingTerminal());
    return switch (decision.choice()) {
      case NONE -> null;
      case ASKPASS -> new OpenSshPrompts() {
        @Override
        protected String read(String prompt, boolean echo) {
          return Askpass.run(decision.program(), prompt);
        }

        @Override
        protected void show(String text) {
          terminal.show(text);
        }
      };
      case TERMINAL -> new OpenSshPrompts() {
        @Override
        protected String read(String prompt, boolean echo) {
          return terminal.read(prompt, echo);
        }

        @Override
        protected void show(String text) {
          terminal.show(text);
        }
      };
    };
  }
}
