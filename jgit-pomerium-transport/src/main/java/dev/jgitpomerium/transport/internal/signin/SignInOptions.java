package dev.jgitpomerium.transport.internal.signin;

import dev.jgitpomerium.transport.BrowserLauncher;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * How an interactive sign-in behaves.
 *
 * @param launcher opens the sign-in page
 * @param useBrowser false when the user asked for no browser (headless: show the address, read the result back)
 * @param interactive TRUE or FALSE when the user said so; null to decide per sign-in (not under CI; a browser or a
 *     console)
 * @param timeout the whole sign-in, from asking Pomerium for the page to receiving the token
 * @param environment environment variables (for the CI and display checks)
 */
public record SignInOptions(BrowserLauncher launcher, boolean useBrowser, Boolean interactive, Duration timeout,
    SignInConsole console, UnaryOperator<String> environment) {

  /** Variables that CI systems set: GitHub, GitLab, CircleCI, Travis, Buildkite ({@code CI}); Jenkins; TeamCity. */
  private static final String[] CI_VARIABLES = {"CI", "JENKINS_URL", "TEAMCITY_VERSION", "BUILD_BUILDID"};

  /**
   * Why this run may not wait for a person, or {@code null} if it may. The user's word ({@code interactive}) decides
   * first; else a CI run never waits; else a sign-in waits when a browser can be shown (the callback completes it, no
   * console needed) or a console can take the pasted address; with neither, nobody could complete it.
   */
  public String nonInteractiveReason() {
    if (interactive != null) {
      return interactive ? null : "interactive sign-in is turned off";
    }
    String ci = ciVariable(environment);
    if (ci != null) {
      return "this looks like a CI run (" + ci + " is set)";
    }
    if (canShowBrowser() || console.hasInput()) {
      return null;
    }
    return (useBrowser ? "there is no display for a browser (DISPLAY and WAYLAND_DISPLAY are unset) and no browser "
        + "command" : "no browser is wanted") + ", and there is no console to paste the sign-in result into";
  }

  /**
   * What else would let a person sign in here, for the message of a run that cannot: only when the reason is the
   * missing browser and console (a CI run or {@code interactive(false)} wants a token, not a browser).
   */
  public String signInHint() {
    if (interactive != null || ciVariable(environment) != null || canShowBrowser() || console.hasInput()) {
      return "";
    }
    return " To sign in with a browser instead, give a browser command (JGIT_POMERIUM_BROWSER_COMMAND, "
        + "browserCommand(...), or --browser-cmd on the command line) or run where there is a display or a terminal.";
  }

  /** The CI variable that is set (to anything but {@code false}), or {@code null} outside CI. */
  public static String ciVariable(UnaryOperator<String> environment) {
    for (String variable : CI_VARIABLES) {
      String value = environment.apply(variable);
      if (value != null && !value.isBlank() && !value.equalsIgnoreCase("false")) {
        return variable;
      }
    }
    return null;
  }

  /**
   * Whether to start the launcher: not when the user asked for no browser, nor for the desktop's own browser on a
   * machine without a display. A command or a custom launcher is always tried (it may show the page elsewhere).
   */
  boolean canShowBrowser() {
    return useBrowser && (launcher != Browsers.SYSTEM
        || Browsers.hasDisplay(System.getProperty("os.name", ""), environment));
  }
}
