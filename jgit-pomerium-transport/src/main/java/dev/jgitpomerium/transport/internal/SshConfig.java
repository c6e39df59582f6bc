package dev.jgitpomerium.transport.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads what ~/.ssh/config says about one host, as OpenSSH does: {@code Host} patterns with {@code *}, {@code ?} and
 * {@code !}, the first value of a keyword wins, {@code Include} (relative to ~/.ssh, with globs) is read in place and
 * keeps the including block's scope; {@code Match} blocks are not evaluated. JGit parses the same file but keeps only
 * the first word of a {@code ProxyCommand}, so the whole line is read here.
 */
public final class SshConfig {
  private static final int MAX_INCLUDE_DEPTH = 16;
  private static final Pattern TIME = Pattern.compile("([0-9]+[smhdw]?)+");
  private static final Pattern TIME_PART = Pattern.compile("([0-9]+)([smhdw]?)");

  /**
   * A host's settings: where ssh (and JGit) connects after {@code HostName} and {@code Port}, its ProxyCommand line as
   * written (null when none or {@code none}), and its {@code ServerAliveInterval} / {@code ServerAliveCountMax} (null
   * when not set).
   */
  public record HostEntry(String host, int port, String user, String proxyCommand, Duration serverAliveInterval,
      Integer serverAliveCountMax) {

    public HostEntry(String host, int port, String user, String proxyCommand) {
      this(host, port, user, proxyCommand, null, null);
    }
  }

  private SshConfig() {}

  /**
   * Looks {@code host} (as written in the git URL) up in {@code config}; {@code port} and {@code user} as given in the
   * URL (port not positive, user null: none given). As in OpenSSH, the first value found for a keyword wins.
   */
  public static HostEntry lookup(Path config, String host, int port, String user) throws IOException {
    Map<String, String> first = new HashMap<>();
    if (Files.isRegularFile(config)) {
      Path sshDirectory = config.toAbsolutePath().getParent();
      read(config, sshDirectory, host.toLowerCase(Locale.ROOT), false, 0, first::putIfAbsent);
    }
    String hostName = first.get("hostname");
    String proxyCommand = first.get("proxycommand");
    String realHost = hostName == null ? host : hostName.replace("%h", host);
    int realPort = port > 0 ? port : first.containsKey("port") ? parsePort(first.get("port")) : 22;
    String realUser = user != null ? user : first.get("user");
    String command = proxyCommand == null || proxyCommand.equalsIgnoreCase("none") ? null : proxyCommand;
    Duration aliveInterval = first.containsKey("serveraliveinterval")
        ? parseTime(first.get("serveraliveinterval"), "ServerAliveInterval") : null;
    Integer aliveCountMax = first.containsKey("serveralivecountmax")
        ? parseCount(first.get("serveralivecountmax"), "ServerAliveCountMax") : null;
    return new HostEntry(realHost, realPort, realUser, command, aliveInterval, aliveCountMax);
  }

  /** OpenSSH's time format: seconds, or a sum of numbers with s, m, h, d or w ({@code 90}, {@code 1m30s}). */
  static Duration parseTime(String value, String keyword) throws IOException {
    Matcher m = TIME.matcher(value.toLowerCase(Locale.ROOT));
    if (value.isEmpty() || !m.matches()) {
      throw new IOException("ssh config has an invalid " + keyword + ": " + value);
    }
    Matcher part = TIME_PART.matcher(value.toLowerCase(Locale.ROOT));
    long seconds = 0;
    while (part.find()) {
      long unit = switch (part.group(2)) {
        case "", "s" -> 1;
        case "m" -> 60;
        case "h" -> 3600;
        case "d" -> 86_400;
        default -> 604_800;
      };
      seconds += parseBounded(part.group(1), keyword) * unit;
      if (seconds > Integer.MAX_VALUE) {
        throw new IOException("ssh config has a too large " + keyword + ": " + value);
      }
    }
    return Duration.ofSeconds(seconds);
  }

  private static Integer parseCount(String value, String keyword) throws IOException {
    if (value.isEmpty() || !value.chars().allMatch(Character::isDigit)) {
      throw new IOException("ssh config has an invalid " + keyword + ": " + value);
    }
    return (int) parseBounded(value, keyword);
  }

  private static long parseBounded(String digits, String keyword) throws IOException {
    if (digits.length() > 9) {
      throw new IOException("ssh config has a too large " + keyword + ": " + digits);
    }
    return Long.parseLong(digits);
  }

  private static int parsePort(String value) throws IOException {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IOException("ssh config has an invalid Port: " + value, e);
    }
  }

  /** OpenSSH's tokens in ProxyCommand: %h host, %p port, %r user, %% a percent sign. */
  public static String expand(String word, String host, int port, String user) {
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
    int number = 0;
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      number++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] kv = line.split("[\\s=]+", 2);
      String keyword = kv[0].toLowerCase(Locale.ROOT);
      String value = kv.length > 1 ? kv[1].strip() : "";
      switch (keyword) {
        case "host" -> applies = !neverMatch && hostMatches(host, words(value, file, number));
        case "match" -> applies = false;
        case "include" -> {
          for (String pattern : words(value, file, number)) {
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

  private static List<String> words(String value, Path file, int line) throws IOException {
    try {
      return Words.split(value);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " line " + line + ": " + e.getMessage(), e);
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
    PathMatcher matcher;
    try {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + absolute.getFileName());
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new IOException("invalid Include pattern '" + pattern + "': " + e.getDescription(), e);
    }
    try (Stream<Path> entries = Files.list(parent)) {
      return entries.filter(p -> matcher.matches(p.getFileName()) && Files.isRegularFile(p)).sorted().toList();
    }
  }

}
