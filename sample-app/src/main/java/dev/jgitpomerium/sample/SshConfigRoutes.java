package dev.jgitpomerium.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Finds, in ~/.ssh/config, the {@code ProxyCommand} that OpenSSH would use for a host, and if it runs {@code
 * pomerium-cli tcp} (or this program's {@code tcp}), the Pomerium options on that line: so a user whose ssh already
 * goes through Pomerium needs no flags here. JGit's own parser keeps only the first word of ProxyCommand, so the whole
 * line is read here. OpenSSH semantics: {@code Host} patterns with {@code *}, {@code ?} and {@code !}, the first
 * value of a keyword wins, {@code Include} (relative to ~/.ssh, with globs) is read in place; {@code Match} blocks are
 * not evaluated.
 */
final class SshConfigRoutes {
  private static final Pattern PROGRAM = Pattern.compile("(?i)(.*[/\\\\])?(pomerium-cli|jgit-pomerium)(\\.exe)?");
  private static final int MAX_INCLUDE_DEPTH = 16;

  /** What a pomerium-cli {@code tcp} line says. */
  record ProxyCommandRoute(String line, PomeriumOptions options, String destination) {}

  private SshConfigRoutes() {}

  /**
   * What ~/.ssh/config says about a host: the address ssh (and JGit, which reads the same file) connects to, after
   * {@code HostName} and {@code Port}, and the host's ProxyCommand line, or null if it has none.
   */
  record HostConfig(String host, int port, String proxyCommand) {}

  /** The Pomerium ProxyCommand for {@code host} (as written in the git URL) and {@code port}, if any. */
  static Optional<ProxyCommandRoute> find(Path sshDirectory, String host, int port, String user) throws IOException {
    HostConfig config = lookup(sshDirectory, host, port);
    return config.proxyCommand() == null ? Optional.empty()
        : parse(config.proxyCommand(), config.host(), config.port(), user);
  }

  /** Reads ~/.ssh/config for {@code host} (as written in the git URL) and {@code port} (not positive: none given). */
  static HostConfig lookup(Path sshDirectory, String host, int port) throws IOException {
    Path config = sshDirectory.resolve("config");
    String[] proxyCommand = {null};
    String[] hostName = {null};
    String[] configuredPort = {null};
    if (Files.isRegularFile(config)) {
      read(config, sshDirectory, host.toLowerCase(Locale.ROOT), false, 0, (keyword, value) -> {
        switch (keyword) {
          case "proxycommand" -> proxyCommand[0] = proxyCommand[0] == null ? value : proxyCommand[0];
          case "hostname" -> hostName[0] = hostName[0] == null ? value : hostName[0];
          case "port" -> configuredPort[0] = configuredPort[0] == null ? value : configuredPort[0];
          default -> { }
        }
      });
    }
    String realHost = hostName[0] == null ? host : hostName[0].replace("%h", host);
    int realPort = port > 0 ? port : configuredPort[0] == null ? 22 : Integer.parseInt(configuredPort[0]);
    String command = proxyCommand[0] == null || proxyCommand[0].equalsIgnoreCase("none") ? null : proxyCommand[0];
    return new HostConfig(realHost, realPort, command);
  }

  /** Parses a ProxyCommand line; empty unless it is a pomerium-cli (or jgit-pomerium) {@code tcp} command. */
  static Optional<ProxyCommandRoute> parse(String line, String host, int port, String user) {
    List<String> words = split(line);
    int program = -1;
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (PROGRAM.matcher(w).matches() || w.toLowerCase(Locale.ROOT).endsWith("jgit-pomerium.jar")) {
        program = i;
        break;
      }
    }
    if (program < 0 || program + 1 >= words.size() || !words.get(program + 1).equals("tcp")) {
      return Optional.empty();
    }
    List<String> args = new ArrayList<>();
    for (String w : words.subList(program + 2, words.size())) {
      args.add(expand(w, host, port, user));
    }
    TcpArguments parsed = new TcpArguments();
    new CommandLine(parsed).setUnmatchedArgumentsAllowed(true).parseArgs(args.toArray(new String[0]));
    if (parsed.destination == null) {
      return Optional.empty();
    }
    return Optional.of(new ProxyCommandRoute(line, parsed.pomerium, parsed.destination));
  }

  /** The arguments of a {@code tcp} command line, as far as routing is concerned. */
  @CommandLine.Command(name = "tcp")
  static final class TcpArguments {
    @CommandLine.Mixin PomeriumOptions pomerium = new PomeriumOptions();
    @CommandLine.Option(names = "--listen") String listen;
    @CommandLine.Parameters(arity = "0..1") String destination;
  }

  /** OpenSSH's tokens for ProxyCommand: %h host, %p port, %r user, %% a percent sign. */
  static String expand(String word, String host, int port, String user) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      if (c == '%' && i + 1 < word.length()) {
        char t = word.charAt(++i);
        switch (t) {
          case 'h' -> out.append(host);
          case 'p' -> out.append(port);
          case 'r' -> out.append(user == null ? "" : user);
          case '%' -> out.append('%');
          default -> out.append('%').append(t);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @FunctionalInterface
  private interface Sink {
    void accept(String keyword, String value);
  }

  /**
   * Reads one file, as OpenSSH does: it starts as the block that included it stood (top level: everything applies),
   * each Host line decides for the lines after it, and an Include returns to the including block's state afterwards.
   * In a file included from a block that does not apply ({@code neverMatch}), no Host line matches.
   */
  private static void read(Path file, Path sshDirectory, String host, boolean neverMatch, int depth, Sink sink)
      throws IOException {
    if (depth > MAX_INCLUDE_DEPTH) {
      throw new IOException("ssh config Include nested deeper than " + MAX_INCLUDE_DEPTH + " at " + file);
    }
    boolean applies = !neverMatch;
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] kv = line.split("[\\s=]+", 2);
      String keyword = kv[0].toLowerCase(Locale.ROOT);
      String value = kv.length > 1 ? kv[1].strip() : "";
      switch (keyword) {
        case "host" -> applies = !neverMatch && hostMatches(host, split(value));
        case "match" -> applies = false;
        case "include" -> {
          for (String pattern : split(value)) {
            for (Path included : glob(sshDirectory, pattern)) {
              read(included, sshDirectory, host, !applies, depth + 1, sink);
            }
          }
        }
        default -> {
          if (applies) {
            sink.accept(keyword, value);
          }
        }
      }
    }
  }

  /** OpenSSH: a host matches if some pattern matches and no negated pattern does. */
  static boolean hostMatches(String host, List<String> patterns) {
    boolean matched = false;
    for (String pattern : patterns) {
      boolean negated = pattern.startsWith("!");
      String p = (negated ? pattern.substring(1) : pattern).toLowerCase(Locale.ROOT);
      if (wildcard(host, p)) {
        if (negated) {
          return false;
        }
        matched = true;
      }
    }
    return matched;
  }

  private static boolean wildcard(String text, String pattern) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return text.matches(regex.toString());
  }

  private static List<Path> glob(Path sshDirectory, String pattern) throws IOException {
    String expanded = pattern.startsWith("~/") ? System.getProperty("user.home") + pattern.substring(1) : pattern;
    Path path = Path.of(expanded);
    Path absolute = path.isAbsolute() ? path : sshDirectory.resolve(path);
    Path parent = absolute.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      return List.of();
    }
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + absolute.getFileName());
    try (Stream<Path> entries = Files.list(parent)) {
      return entries.filter(p -> matcher.matches(p.getFileName()) && Files.isRegularFile(p)).sorted().toList();
    }
  }

  /** Splits on white space, honouring single and double quotes, as ssh and the shell would for these lines. */
  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
