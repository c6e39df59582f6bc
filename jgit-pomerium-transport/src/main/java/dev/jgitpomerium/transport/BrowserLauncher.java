package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.signin.Browsers;
import java.io.IOException;
import java.net.URI;

/**
 * Opens the Pomerium sign-in page for the user. The URL is always also shown on the console and given to the {@link
 * PomeriumEventListener}, so a launcher that fails (or does nothing) does not fail the sign-in: the user can open it
 * by hand.
 *
 * <p>Example: open sign-in pages in a dedicated browser profile:
 *
 * <pre>{@code
 * BrowserLauncher work = BrowserLauncher.command("firefox -P work");
 * }</pre>
 */
@FunctionalInterface
public interface BrowserLauncher {

  /**
   * Starts showing {@code signInUrl} and returns without waiting for the user.
   *
   * @throws IOException if no browser could be started; the sign-in goes on with the URL shown to the user
   */
  void open(URI signInUrl) throws IOException;

  /**
   * The desktop's browser: {@code java.awt.Desktop} where it can browse, else {@code xdg-open} (Linux and BSDs),
   * {@code open} (macOS) or {@code rundll32 url.dll,FileProtocolHandler} (Windows).
   */
  static BrowserLauncher system() {
    return Browsers.SYSTEM;
  }

  /**
   * Runs a command with the URL as its last argument, as pomerium-cli's {@code --browser-cmd} does on Linux; the
   * command line is split on white space (quote arguments with {@code '} or {@code "}).
   */
  static BrowserLauncher command(String commandLine) {
    return Browsers.command(commandLine);
  }
}
