package dev.jgitpomerium.transport.internal.session;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SSH_ASKPASS} as OpenSSH's {@code read_passphrase} uses it (see {@code man ssh}, ENVIRONMENT): the one place
 * its rules live, for the library and the command line alike.
 *
 * <p>The rules: a display ({@code DISPLAY} or {@code WAYLAND_DISPLAY}) allows askpass; {@code SSH_ASKPASS_REQUIRE}
 * {@code force} uses it always, {@code prefer} uses it when allowed, {@code never} forbids it; otherwise the terminal
 * is used if the process has one ({@code /dev/tty} opens, OpenSSH's own test), else askpass if allowed. The program
 * is {@code SSH_ASKPASS}, else {@code /usr/bin/ssh-askpass}; it gets the prompt as its argument, and what it prints
 * up to the first line end is the answer; a non-zero exit status means the user cancelled.
 *
 * <p>The library never reads or writes a terminal (it runs in IDEs and daemons; only the command line does), so where
 * OpenSSH would ask on the terminal the library asks nothing: see {@link #forLibrary}.
 */
public final class Askpass {
  private static final Logger log = LoggerFactory.getLogger(Askpass.class);
  private static final File TTY = new File("/dev/tty");
  private static final String DEFAULT_PROGRAM = "/usr/bin/ssh-askpass";
  /** A person may take a while at a dialog; an askpass that never exits must not hang the connection forever. */
  private static final Duration TIMEOUT = Duration.ofMinutes(5);
  /** OpenSSH reads at most 1 KiB of answer; more is not a passphrase but a program gone wrong. */
  private static final int MAX_OUTPUT = 64 * 1024;

  /** Where OpenSSH would ask. */
  public enum Choice {
    /** On the controlling terminal. */
    TERMINAL,
    /** Through the askpass {@link Decision#program}. */
    ASKPASS,
    /** Nowhere: see {@link Decision#why}. */
    NONE
  }

  /**
   * Where OpenSSH would ask, in the environment it was decided in.
   *
   * @param program the askpass program, for {@link Choice#ASKPASS}
   * @param why for {@link Choice#NONE}: what is missing, as a clause for a message
   */
  public record Decision(Choice choice, String program, String why) {}

  private Askpass() {}

  /** OpenSSH's read_passphrase rules for {@code environment}, with or without a controlling {@code terminal}. */
  public static Decision decide(UnaryOperator<String> environment, boolean terminal) {
    boolean display = !empty(environment.apply("DISPLAY")) || !empty(environment.apply("WAYLAND_DISPLAY"));
    String require = environment.apply("SSH_ASKPASS_REQUIRE");
    String mode = require == null ? "" : require.toLowerCase(Locale.ROOT);
    boolean allow = display;
    boolean use = false;
    switch (mode) {
      case "force" -> {
        use = true;
        allow = true;
      }
      case "prefer" -> use = allow;
      case "never" -> allow = false;
      default -> { }
    }
    if (!use && !terminal) {
      use = true;
    }
    if (!use) {
      return new Decision(Choice.TERMINAL, null, null);
    }
    String program = environment.apply("SSH_ASKPASS");
    if (allow) {
      return new Decision(Choice.ASKPASS, empty(program) ? DEFAULT_PROGRAM : program, null);
    }
    String why;
    if (mode.equals("never")) {
      why = "there is no terminal, and SSH_ASKPASS_REQUIRE is never";
    } else if (mode.equals("prefer")) {
      why = "there is no terminal, and SSH_ASKPASS_REQUIRE is prefer but there is no display (DISPLAY, "
          + "WAYLAND_DISPLAY)";
    } else if (empty(program)) {
      why = "there is no terminal, and SSH_ASKPASS is not set";
    } else if (!mode.isEmpty()) {
      why = "there is no terminal, and SSH_ASKPASS is set but SSH_ASKPASS_REQUIRE is " + require
          + " (not force, prefer or never) and there is no display (DISPLAY, WAYLAND_DISPLAY)";
    } else {
      why = "there is no terminal, and SSH_ASKPASS is set but SSH_ASKPASS_REQUIRE is not and there is no display "
          + "(DISPLAY, WAYLAND_DISPLAY)";
    }
    return new Decision(Choice.NONE, null, why);
  }

  /**
   * What the library uses when a JGit command has no CredentialsProvider: askpass where OpenSSH would use it, and
   * nothing where OpenSSH would ask on the terminal (see the class comment). The terminal is the controlling one, as
   * OpenSSH checks it ({@code /dev/tty}), not {@code System.console()}, which is about standard input and output: git
   * and IDEs redirect those while a terminal is still there, and OpenSSH would ask on it.
   */
  public static Decision forLibrary(UnaryOperator<String> environment) {
    Decision decision = decide(environment, controllingTerminal());
    if (decision.choice() != Choice.TERMINAL) {
      return decision;
    }
    String require = environment.apply("SSH_ASKPASS_REQUIRE");
    return new Decision(Choice.NONE, null, "this process has a terminal, where OpenSSH would ask, but a library "
        + "never reads the terminal, only the jgit-pomerium command line does, and SSH_ASKPASS_REQUIRE is "
        + (empty(require) ? "not set" : require + (require.equalsIgnoreCase("prefer")
            ? " but there is no display (DISPLAY, WAYLAND_DISPLAY)" : " (not force or prefer)")));
  }

  /** What the library asks through when a JGit command has no CredentialsProvider: askpass, or null. */
  public static CredentialsProvider credentialsProvider(Decision decision) {
    if (decision.choice() != Choice.ASKPASS) {
      return null;
    }
    String program = decision.program();
    return new OpenSshPrompts() {
      @Override
      protected String read(String prompt, boolean echo) {
        return run(program, prompt);
      }

      @Override
      protected void show(String text) {
        log.info("{}", text.strip());
      }
    };
  }

  /** Whether this process has a controlling terminal, tested as OpenSSH does: {@code /dev/tty} opens. */
  public static boolean controllingTerminal() {
    // Opened for reading and closed at once: nothing is read or written.
    try (FileInputStream tty = new FileInputStream(TTY)) {
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /**
   * Runs {@code program prompt} and returns what it printed up to the first line end, or null if it could not run,
   * exited with a non-zero status (cancelled), printed too much, or took longer than {@link #TIMEOUT}. The answer is
   * never logged.
   */
  public static String run(String program, String prompt) {
    Process process;
    try {
      process = new ProcessBuilder(program, prompt).redirectError(ProcessBuilder.Redirect.INHERIT)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    } catch (IOException e) {
      log.warn("cannot run the askpass program {}: {}", program, e.getMessage());
      return null;
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    boolean[] tooMuch = new boolean[1];
    // Read on a thread of its own: the time-out must hold even if the program never closes its output.
    Thread reader = new Thread(() -> {
      try (InputStream in = process.getInputStream()) {
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) != -1) {
          synchronized (output) {
            if (output.size() + n > MAX_OUTPUT) {
              tooMuch[0] = true;
              process.destroyForcibly();
              return;
            }
            output.write(buffer, 0, n);
          }
        }
      } catch (IOException e) {
        // The process ended or was killed: what was read is all there is.
      }
    }, "jgit-pomerium-askpass");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        log.warn("the askpass program {} gave no answer within {} s: taken as cancelled", program,
            TIMEOUT.toSeconds());
        return null;
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return null;
    }
    synchronized (output) {
      if (tooMuch[0]) {
        log.warn("the askpass program {} printed more than {} bytes: not taken as an answer", program, MAX_OUTPUT);
        return null;
      }
      if (process.exitValue() != 0) {
        log.debug("the askpass program {} exited with status {}: cancelled", program, process.exitValue());
        return null;
      }
      // OpenSSH's ssh_askpass: the answer ends at the first CR or LF.
      String text = output.toString(UTF_8);
      int end = 0;
      while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
        end++;
      }
      return text.substring(0, end);
    }
  }

  private static boolean empty(String value) {
    return value == null || value.isEmpty();
  }
}
