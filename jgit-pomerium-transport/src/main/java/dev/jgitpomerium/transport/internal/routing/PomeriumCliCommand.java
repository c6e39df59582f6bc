package dev.jgitpomerium.transport.internal.routing;

import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.internal.Words;
import dev.jgitpomerium.transport.internal.sshconfig.ShellWords;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A ProxyCommand that runs {@code pomerium-cli tcp} (any path, {@code .exe} too) or this project's {@code tcp}, and
 * the options on it that concern the tunnel, in pomerium-cli's spelling ({@code --flag value} or {@code
 * --flag=value}). Only the flags the program itself accepts are allowed: pomerium-cli (cobra) refuses any other, so a
 * mistyped one is refused here too, named without any value of the line. The client certificate may come
 * from PEM files ({@code --client-cert}, {@code --client-key}) or the platform store ({@code --client-cert-from-store},
 * chosen by {@code --client-cert-issuer} and {@code --client-cert-subject}, each {@code attribute=value}).
 */
public record PomeriumCliCommand(String destination, String pomeriumUrl, List<Path> caFiles, String caCertBase64,
    Path clientCert, Path clientKey, boolean disableTlsVerification, String browserCommand, String serviceAccount,
    Path serviceAccountFile, boolean clientCertFromStore, String clientCertIssuer, String clientCertSubject,
    String forwardProxy) {

  private static final Pattern PROGRAM = Pattern.compile("(?i)(.*[/\\\\])?(pomerium-cli|jgit-pomerium)(\\.exe)?");
  private static final Pattern JAVA = Pattern.compile("(?i)(.*[/\\\\])?java(w)?(\\.exe)?");
  private static final Pattern PROGRAM_ANYWHERE = Pattern.compile("(?i)(pomerium-cli|jgit-pomerium)");
  /** pomerium-cli tcp's flags that take a value (its own, and the browser, service-account and TLS ones). */
  private static final Set<String> WITH_VALUE = Set.of("--pomerium-url", "--listen", "--browser-cmd",
      "--service-account", "--service-account-file", "--alternate-ca-path", "--ca-cert", "--client-cert",
      "--client-key", "--client-cert-issuer", "--client-cert-subject", "--forward-proxy");
  /** pomerium-cli tcp's boolean flags: {@code --flag} or {@code --flag=true|false}, never a separate word. */
  private static final Set<String> BOOLEAN = Set.of("--disable-tls-verification", "--client-cert-from-store");
  /** What this project's {@code tcp} (picocli) accepts besides pomerium-cli's flags. */
  private static final Set<String> OWN_WITH_VALUE = Set.of("--route", "--client-cert-pkcs12",
      "--client-cert-password-file", "--github-oidc-audience", "--bearer-token-env", "--kubernetes-token-file");
  private static final Set<String> OWN_BOOLEAN = Set.of("--no-browser", "--github-oidc", "-v", "--verbose");
  private static final Set<String> HELP = Set.of("-h", "--help", "-V", "--version");
  /** Go's strconv.ParseBool, which pflag uses for {@code --flag=value}. */
  private static final Set<String> GO_TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");
  private static final Set<String> GO_FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");
  /**
   * A destination that can be quoted in a message: host:port or [v6]:port, or tcp+https://pomerium/host:port. A word
   * that is not one of these (a token taken for the destination) is never echoed.
   */
  private static final Pattern SHOWABLE_DESTINATION = Pattern.compile(
      "(tcp\\+https?://[A-Za-z0-9.\\-\\[\\]:]+(/[A-Za-z0-9.\\-]*)?/)?"
      + "([A-Za-z0-9._\\-]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}");

  /**
   * Parses {@code line} with OpenSSH's %h, %p, %r and %% expanded for {@code host}, {@code port} and {@code user},
   * in this process's environment; see {@link #parse(String, UnaryOperator, boolean)}.
   */
  public static Optional<PomeriumCliCommand> parse(String line, String host, int port, String user) {
    String expanded;
    try {
      expanded = SshConfig.percentExpand(line, java.util.Map.of('h', host, 'n', host, 'p', Integer.toString(port),
          'r', user == null ? "" : user), null);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return parse(expanded, System::getenv, false);
  }

  /**
   * Reads a ProxyCommand line (its %-tokens already expanded) as the shell would run it ({@code cmd} on Windows),
   * and returns the pomerium-cli (or jgit-pomerium) {@code tcp} command it runs. Empty if it runs something else, or
   * holds shell constructs that only a shell can follow (the caller then runs it as any other ProxyCommand).
   *
   * @throws IllegalArgumentException if it is a pomerium-cli {@code tcp} line that cannot be used: no destination,
   *     an option without its value, an unterminated quote
   */
  public static Optional<PomeriumCliCommand> parse(String line, UnaryOperator<String> environment, boolean windows) {
    List<String> words;
    try {
      words = windows ? Words.split(line) : ShellWords.split(line, environment);
    } catch (IllegalArgumentException syntax) {
      if (PROGRAM_ANYWHERE.matcher(line).find()) {
        throw new IllegalArgumentException("the shell cannot read it: " + syntax.getMessage());
      }
      return Optional.empty(); // not ours; the shell will report it when run
    }
    if (words == null) {
      return Optional.empty();
    }
    // The program itself, or java running this project's jar; a prefix such as env, nice or sudo changes what
    // runs, so such a line is left to the shell.
    int program = -1;
    boolean java = !words.isEmpty() && JAVA.matcher(words.get(0)).matches();
    for (int i = 0; i < words.size() && program < 0 && (i == 0 || java); i++) {
      String w = words.get(i);
      boolean jar = java && w.toLowerCase(Locale.ROOT).endsWith("jgit-pomerium.jar");
      if ((i == 0 && PROGRAM.matcher(w).matches()) || jar) {
        program = i;
      }
    }
    if (program < 0 || program + 1 >= words.size() || !words.get(program + 1).equals("tcp")) {
      return Optional.empty();
    }
    String destination = null;
    String url = null;
    List<Path> cas = new ArrayList<>();
    String caCert = null;
    Path cert = null;
    Path key = null;
    boolean insecure = false;
    String browser = null;
    String serviceAccount = null;
    Path serviceAccountFile = null;
    boolean fromStore = false;
    String issuer = null;
    String subject = null;
    String forwardProxy = null;
    boolean own = !PROGRAM.matcher(words.get(program)).matches()
        || words.get(program).toLowerCase(Locale.ROOT).contains("jgit-pomerium");
    String programName = own ? "jgit-pomerium" : "pomerium-cli";
    List<String> args = words.subList(program + 2, words.size());
    int destinations = 0;
    boolean flagsEnded = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (flagsEnded || !arg.startsWith("-") || arg.equals("-")) {
        destinations++;
        if (destination == null) {
          destination = arg;
        }
        continue;
      }
      if (arg.equals("--")) {
        flagsEnded = true; // as cobra: every word after it is an argument
        continue;
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      boolean valued = WITH_VALUE.contains(name) || own && OWN_WITH_VALUE.contains(name);
      boolean bool = BOOLEAN.contains(name) || own && OWN_BOOLEAN.contains(name);
      if (HELP.contains(name)) {
        throw new IllegalArgumentException("the " + programName + " ProxyCommand has " + name + ", so "
            + programName + " would print its help or version and open no tunnel");
      }
      if (!valued && !bool) {
        // Only the flag's name: what follows '=' or the next word may be a secret.
        String shown = arg.startsWith("--") ? name : arg.substring(0, Math.min(arg.length(), 2));
        throw new IllegalArgumentException("the " + programName + " ProxyCommand has an unknown flag " + shown + " ("
            + programName + " would refuse it too)");
      }
      if (valued && value == null) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(programName + " option " + name + " has no value");
        }
        value = args.get(++i);
      }
      if (bool && value != null && !GO_TRUE.contains(value) && !GO_FALSE.contains(value)) {
        throw new IllegalArgumentException("the " + programName + " ProxyCommand's " + name
            + " takes true or false after '=' (" + programName + " would refuse any other value)");
      }
      switch (name) {
        case "--pomerium-url" -> url = value;
        case "--alternate-ca-path" -> cas.add(Path.of(value));
        case "--ca-cert" -> caCert = value;
        case "--client-cert" -> cert = Path.of(value);
        case "--client-key" -> key = Path.of(value);
        case "--disable-tls-verification" -> insecure = value == null || GO_TRUE.contains(value);
        case "--browser-cmd" -> browser = value;
        case "--service-account" -> serviceAccount = value;
        case "--service-account-file" -> serviceAccountFile = Path.of(value);
        case "--client-cert-from-store" -> fromStore = value == null || GO_TRUE.contains(value);
        case "--client-cert-issuer" -> issuer = value;
        case "--client-cert-subject" -> subject = value;
        case "--forward-proxy" -> forwardProxy = value;
        default -> { } // this project's own options, which the tunnel does not need here
      }
    }
    if (destination == null) {
      throw new IllegalArgumentException("the pomerium-cli tcp line names no destination (host:port)");
    }
    if (destinations > 1) {
      throw new IllegalArgumentException("the " + programName + " ProxyCommand names " + destinations
          + " destinations where it takes one (the words after the flags; " + programName
          + " would refuse it too): is a flag mistyped, or a value given to a flag that takes none?");
    }
    checkDestination(destination);
    return Optional.of(new PomeriumCliCommand(destination, url, List.copyOf(cas), caCert, cert, key, insecure,
        browser, serviceAccount, serviceAccountFile, fromStore, issuer, subject, forwardProxy));
  }

  /**
   * Fails unless {@code destination} is a route; the word is quoted only when it looks like host:port, since a word
   * taken for the destination may be a token whose flag was mistyped.
   */
  private static void checkDestination(String destination) {
    try {
      Route.parse(destination);
    } catch (IllegalArgumentException e) {
      if (SHOWABLE_DESTINATION.matcher(destination).matches()) {
        throw e;
      }
      throw new IllegalArgumentException("the destination (the word after the flags) is not host:port", null);
    }
  }

  @Override
  public String toString() {
    // Never the service-account token.
    return "pomerium-cli tcp " + destination + (pomeriumUrl == null ? "" : " --pomerium-url " + pomeriumUrl);
  }
}
