package dev.jgitpomerium.transport.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A ProxyCommand that runs {@code pomerium-cli tcp} (any path, {@code .exe} too) or this project's {@code tcp}, and
 * the options on it that concern the tunnel, in pomerium-cli's spelling ({@code --flag value} or {@code
 * --flag=value}). Unknown options are ignored, as they concern pomerium-cli itself.
 */
public record PomeriumCliCommand(String destination, String pomeriumUrl, List<Path> caFiles, String caCertBase64,
    Path clientCert, Path clientKey, boolean disableTlsVerification, String browserCommand, String serviceAccount,
    Path serviceAccountFile) {

  private static final Pattern PROGRAM = Pattern.compile("(?i)(.*[/\\\\])?(pomerium-cli|jgit-pomerium)(\\.exe)?");
  private static final List<String> WITH_VALUE = List.of("--pomerium-url", "--alternate-ca-path", "--ca-cert",
      "--client-cert", "--client-key", "--browser-cmd", "--service-account", "--service-account-file", "--listen",
      "--log-level", "--client-cert-issuer", "--client-cert-subject");

  /**
   * Parses {@code line} with OpenSSH's %-tokens expanded for {@code host}, {@code port} and {@code user}; empty if it
   * is not a pomerium-cli (or jgit-pomerium) {@code tcp} command with a destination.
   */
  public static Optional<PomeriumCliCommand> parse(String line, String host, int port, String user) {
    List<String> words;
    try {
      words = Words.split(line);
    } catch (IllegalArgumentException unbalancedQuote) {
      return Optional.empty(); // not a pomerium-cli line we can read; the shell will report it when run
    }
    int program = -1;
    for (int i = 0; i < words.size() && program < 0; i++) {
      String w = words.get(i);
      if (PROGRAM.matcher(w).matches() || w.toLowerCase(Locale.ROOT).endsWith("jgit-pomerium.jar")) {
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
    List<String> args = words.subList(program + 2, words.size());
    for (int i = 0; i < args.size(); i++) {
      String arg = SshConfig.expand(args.get(i), host, port, user);
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (WITH_VALUE.contains(arg) && i + 1 < args.size()) {
        value = SshConfig.expand(args.get(++i), host, port, user);
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
        default -> {
          if (!arg.startsWith("-") && destination == null) {
            destination = arg;
          }
        }
      }
    }
    if (destination == null) {
      return Optional.empty();
    }
    return Optional.of(new PomeriumCliCommand(destination, url, List.copyOf(cas), caCert, cert, key, insecure,
        browser, serviceAccount, serviceAccountFile));
  }

  @Override
  public String toString() {
    // Never the service-account token.
    return "pomerium-cli tcp " + destination + (pomeriumUrl == null ? "" : " --pomerium-url " + pomeriumUrl);
  }
}
