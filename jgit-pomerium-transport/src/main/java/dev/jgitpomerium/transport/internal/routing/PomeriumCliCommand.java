package dev.jgitpomerium.transport.internal.routing;

import dev.jgitpomerium.transport.internal.Words;
import dev.jgitpomerium.transport.internal.sshconfig.ShellWords;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A ProxyCommand that runs {@code pomerium-cli tcp} (any path, {@code .exe} too) or this project's {@code tcp}, and
 * the options on it that concern the tunnel, in pomerium-cli's spelling ({@code --flag value} or {@code
 * --flag=value}). Unknown options are ignored, as they concern pomerium-cli itself.
 */
public record PomeriumCliCommand(String destination, String pomeriumUrl, List<Path> caFiles, String caCertBase64,
    Path clientCert, Path clientKey, boolean disableTlsVerification, String browserCommand, String serviceAccount,
    Path serviceAccountFile, String forwardProxy) {

  private static final Pattern PROGRAM = Pattern.compile("(?i)(.*[/\\\\])?(pomerium-cli|jgit-pomerium)(\\.exe)?");
  private static final Pattern JAVA = Pattern.compile("(?i)(.*[/\\\\])?java(w)?(\\.exe)?");
  private static final Pattern PROGRAM_ANYWHERE = Pattern.compile("(?i)(pomerium-cli|jgit-pomerium)");
  private static final List<String> WITH_VALUE = List.of("--pomerium-url", "--alternate-ca-path", "--ca-cert",
      "--client-cert", "--client-key", "--browser-cmd", "--service-account", "--service-account-file", "--listen",
      "--log-level", "--client-cert-issuer", "--client-cert-subject", "--forward-proxy");

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
    String forwardProxy = null;
    List<String> args = words.subList(program + 2, words.size());
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (WITH_VALUE.contains(arg)) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("pomerium-cli option " + arg + " has no value");
        }
        value = args.get(++i);
      }
      switch (name) {
        case "--pomerium-url" -> url = value;
        case "--alternate-ca-path" -> cas.add(Path.of(value));
        case "--ca-cert" -> caCert = value;
        case "--client-cert" -> cert = Path.of(value);
        case "--client-key" -> key = Path.of(value);
        case "--disable-tls-verification" -> insecure = value == null || Boolean.parseBoolean(value);
        case "--browser-cmd" -> browser = value;
        case "--service-account" -> serviceAccount = value;
        case "--service-account-file" -> serviceAccountFile = Path.of(value);
        case "--forward-proxy" -> forwardProxy = value;
        default -> {
          if (!arg.startsWith("-") && destination == null) {
            destination = arg;
          }
        }
      }
    }
    if (destination == null) {
      throw new IllegalArgumentException("the pomerium-cli tcp line names no destination (host:port)");
    }
    return Optional.of(new PomeriumCliCommand(destination, url, List.copyOf(cas), caCert, cert, key, insecure,
        browser, serviceAccount, serviceAccountFile, forwardProxy));
  }

  @Override
  public String toString() {
    // Never the service-account token.
    return "pomerium-cli tcp " + destination + (pomeriumUrl == null ? "" : " --pomerium-url " + pomeriumUrl);
  }
}
