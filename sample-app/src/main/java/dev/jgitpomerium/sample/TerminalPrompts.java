package dev.jgitpomerium.sample;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.UnsupportedCredentialItem;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;

/**
 * JGit's questions (a key's passphrase, whether to trust a host key) asked as OpenSSH asks them: on the terminal
 * ({@code /dev/tty}, never standard output; echo off for secrets), or through {@code SSH_ASKPASS}, chosen by {@code
 * SSH_ASKPASS_REQUIRE}, {@code DISPLAY} and {@code WAYLAND_DISPLAY} exactly as OpenSSH's {@code read_passphrase}
 * does (see {@code man ssh}, ENVIRONMENT).
 */
final class TerminalPrompts extends CredentialsProvider {
  private static final File TTY = new File("/dev/tty");
  private static final String DEFAULT_ASKPASS = "/usr/bin/ssh-askpass";
  private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/=]+");

  private final UnaryOperator<String> environment;
  private final boolean useAskpass;
  private final boolean allowAskpass;

  private TerminalPrompts(UnaryOperator<String> environment) {
    this.environment = environment;
    boolean allow = !empty(environment.apply("DISPLAY")) || !empty(environment.apply("WAYLAND_DISPLAY"));
    boolean use = false;
    String require = environment.apply("SSH_ASKPASS_REQUIRE");
    if (require != null) {
      switch (require.toLowerCase(Locale.ROOT)) {
        case "force" -> {
          use = true;
          allow = true;
        }
        case "prefer" -> use = allow;
        case "never" -> allow = false;
        default -> { }
      }
    }
    if (!use && !ttyAvailable()) {
      use = true;
    }
    this.useAskpass = use;
    this.allowAskpass = allow;
  }

  /** The prompts for this process's environment, or null when nothing can ask (no terminal, no askpass allowed). */
  static TerminalPrompts fromEnvironment(UnaryOperator<String> environment) {
    TerminalPrompts prompts = new TerminalPrompts(environment);
    return prompts.useAskpass && !prompts.allowAskpass ? null : prompts;
  }

  private static boolean empty(String value) {
    return value == null || value.isEmpty();
  }

  private static boolean ttyAvailable() {
    try (FileOutputStream tty = new FileOutputStream(TTY)) {
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  @Override
  public boolean isInteractive() {
    return true;
  }

  @Override
  public boolean supports(CredentialItem... items) {
    for (CredentialItem item : items) {
      if (!(item instanceof CredentialItem.InformationalMessage || item instanceof CredentialItem.YesNoType
          || item instanceof CredentialItem.Password || item instanceof CredentialItem.CharArrayType
          || item instanceof CredentialItem.StringType || item instanceof CredentialItem.Username)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean get(URIish uri, CredentialItem... items) throws UnsupportedCredentialItem {
    List<String> messages = new ArrayList<>();
    boolean asked = false;
    for (CredentialItem item : items) {
      if (item instanceof CredentialItem.InformationalMessage) {
        messages.add(item.getPromptText());
        continue;
      }
      String prompt = withMessages(messages, item.getPromptText());
      String shown = String.join("\n", messages);
      messages.clear();
      asked = true;
      if (item instanceof CredentialItem.YesNoType yesNo) {
        yesNo.setValue(confirm(prompt, fingerprintIn(shown)));
      } else if (item instanceof CredentialItem.Password password) {
        String answer = read(prompt, false);
        password.setValue(answer == null ? new char[0] : answer.toCharArray());
      } else if (item instanceof CredentialItem.CharArrayType chars) {
        String answer = read(prompt, chars.isValueSecure() ? false : true);
        chars.setValue(answer == null ? new char[0] : answer.toCharArray());
      } else if (item instanceof CredentialItem.StringType string) {
        String answer = read(prompt, !string.isValueSecure());
        string.setValue(answer == null ? "" : answer);
      } else {
        throw new UnsupportedCredentialItem(uri, item.getClass().getName() + ": " + item.getPromptText());
      }
    }
    if (!asked && !messages.isEmpty()) {
      show(String.join("\n", messages) + "\n");
    }
    return true;
  }

  private static String withMessages(List<String> messages, String prompt) {
    if (messages.isEmpty()) {
      return prompt;
    }
    return String.join("\n", messages) + "\n" + prompt;
  }

  private static String fingerprintIn(String text) {
    Matcher m = FINGERPRINT.matcher(text);
    return m.find() ? m.group().replaceAll("\\.$", "") : null;
  }

  /** OpenSSH's confirm(): yes, no (or nothing), or the fingerprint that was shown. */
  private boolean confirm(String prompt, String fingerprint) {
    String question = prompt;
    while (true) {
      String answer = read(question, true);
      if (answer == null) {
        return false;
      }
      answer = answer.strip();
      if (answer.isEmpty() || answer.equalsIgnoreCase("no")) {
        return false;
      }
      if (answer.equalsIgnoreCase("yes") || (fingerprint != null && answer.equals(fingerprint))) {
        return true;
      }
      question = fingerprint != null ? "Please type 'yes', 'no' or the fingerprint: " : "Please type 'yes' or 'no': ";
    }
  }

  /** One answer, or null if nothing could be read (end of input, askpass failed). */
  private String read(String prompt, boolean echo) {
    if (useAskpass) {
      return allowAskpass ? askpass(prompt) : null;
    }
    return readTty(prompt, echo);
  }

  private String askpass(String prompt) {
    String program = environment.apply("SSH_ASKPASS");
    if (empty(program)) {
      program = DEFAULT_ASKPASS;
    }
    try {
      ProcessBuilder builder = new ProcessBuilder(program, prompt).redirectError(ProcessBuilder.Redirect.INHERIT)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process process = builder.start();
      byte[] output = process.getInputStream().readNBytes(64 * 1024);
      if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
        process.destroyForcibly();
        return null;
      }
      String text = new String(output, UTF_8);
      int end = text.indexOf('\n');
      int cr = text.indexOf('\r');
      if (cr >= 0 && (end < 0 || cr < end)) {
        end = cr;
      }
      return end < 0 ? text : text.substring(0, end);
    } catch (IOException e) {
      System.err.println("jgit-pomerium: cannot run the askpass program " + program + ": " + e.getMessage());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void show(String text) {
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
