package dev.jgitpomerium.transport.internal.signin;

import dev.jgitpomerium.transport.BrowserLauncher;
import dev.jgitpomerium.transport.internal.Words;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The built-in {@link BrowserLauncher}s and the check for whether this machine can show a browser at all. */
public final class Browsers {
  private static final Logger log = LoggerFactory.getLogger(Browsers.class);

  private Browsers() {}

  public static final BrowserLauncher SYSTEM = new BrowserLauncher() {
    @Override
    public void open(URI url) throws IOException {
      if (desktopCanBrowse()) {
        java.awt.Desktop.getDesktop().browse(url);
        return;
      }
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      List<String> command;
      if (os.startsWith("windows")) {
        command = List.of("rundll32", "url.dll,FileProtocolHandler", url.toString());
      } else if (os.startsWith("mac")) {
        command = List.of("open", url.toString());
      } else {
        command = List.of("xdg-open", url.toString());
      }
      start(command);
    }

    @Override
    public String toString() {
      return "BrowserLauncher.system()";
    }
  };

  private static boolean desktopCanBrowse() {
    try {
      return !java.awt.GraphicsEnvironment.isHeadless() && java.awt.Desktop.isDesktopSupported()
          && java.awt.Desktop.getDesktop().isSupported(java.awt.Desktop.Action.BROWSE);
    } catch (RuntimeException | LinkageError e) {
      return false; // no java.desktop module, or no display
    } catch (Error e) {
      // A DISPLAY that names no reachable X server (a stale ssh -X session) makes AWT throw AWTError; xdg-open may
      // still work, and if not its failure is reported like any launcher's.
      if (e instanceof VirtualMachineError) {
        throw e;
      }
      log.debug("the desktop cannot browse: {}", e.toString());
      return false;
    }
  }

  public static BrowserLauncher command(String commandLine) {
    List<String> words = Words.split(commandLine);
    if (words.isEmpty()) {
      throw new IllegalArgumentException("browser command is empty");
    }
    return new BrowserLauncher() {
      @Override
      public void open(URI url) throws IOException {
        List<String> command = new ArrayList<>(words);
        command.add(url.toString());
        start(command);
      }

      @Override
      public String toString() {
        return "BrowserLauncher.command(" + commandLine + ")";
      }
    };
  }

  /**
   * Whether a browser could be shown on this machine: not on Linux/BSD without {@code DISPLAY} or {@code
   * WAYLAND_DISPLAY} (an SSH session, a container, a CI runner).
   */
  public static boolean hasDisplay(String osName, UnaryOperator<String> env) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.startsWith("windows") || os.startsWith("mac")) {
      return true;
    }
    return notBlank(env.apply("DISPLAY")) || notBlank(env.apply("WAYLAND_DISPLAY"));
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }

  /** Starts the browser without waiting for it; its output goes nowhere, so it cannot corrupt an SSH stream. */
  private static void start(List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    Process process = builder.start();
    log.debug("started browser {} (pid {})", command.get(0), process.pid());
    process.onExit().thenAccept(p -> {
      if (p.exitValue() != 0) {
        log.warn("the browser command {} exited with status {}", command.get(0), p.exitValue());
      }
    });
  }

  private static java.io.File nullFile() {
    return new java.io.File(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")
        ? "NUL" : "/dev/null");
  }


}
