package dev.jgitpomerium.transport.internal.sshconfig;

import static dev.jgitpomerium.transport.internal.sshconfig.Arguments.atoiError;
import static dev.jgitpomerium.transport.internal.sshconfig.Arguments.convtime;
import static dev.jgitpomerium.transport.internal.sshconfig.Arguments.toPort;
import static dev.jgitpomerium.transport.internal.sshconfig.Arguments.validEnvName;
import static dev.jgitpomerium.transport.internal.sshconfig.ConfigFiles.checkPermissions;
import static dev.jgitpomerium.transport.internal.sshconfig.ConfigFiles.display;
import static dev.jgitpomerium.transport.internal.sshconfig.ConfigFiles.error;
import static dev.jgitpomerium.transport.internal.sshconfig.ConfigFiles.glob;
import static dev.jgitpomerium.transport.internal.sshconfig.Lexer.WHITESPACE;
import static dev.jgitpomerium.transport.internal.sshconfig.Lexer.argvSplit;
import static dev.jgitpomerium.transport.internal.sshconfig.Lexer.span;
import static dev.jgitpomerium.transport.internal.sshconfig.Lexer.stripTrailing;
import static dev.jgitpomerium.transport.internal.sshconfig.Patterns.matchPattern;
import static dev.jgitpomerium.transport.internal.sshconfig.Patterns.matchPatternList;
import static dev.jgitpomerium.transport.internal.sshconfig.Tokens.percentExpand;

import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.sshconfig.Keywords.Keyword;
import dev.jgitpomerium.transport.internal.sshconfig.Keywords.Kind;
import dev.jgitpomerium.transport.internal.sshconfig.Lexer.Delimiter;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Environment;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Exec;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass over the files, as {@code read_config_file} with its flags: every line checked as OpenSSH checks it, Host
 * blocks, Include (nested, the including block's state restored after it), and Match through {@link MatchCriteria};
 * the first value of a keyword kept in {@link Options}.
 */
final class ConfigReader {
  /** Logs as the rest of the package, under {@link SshConfig}'s name. */
  private static final Logger log = LoggerFactory.getLogger(SshConfig.class);
  private static final int MAX_INCLUDE_DEPTH = 16;
  private static final int MAX_IDENTITY_FILES = 100;

  final Options options;
  final Environment environment;
  final Exec exec;
  /** What Host lines match: the host as written in the first pass, the final host name in the final pass. */
  final String host;
  final String originalHost;
  final boolean finalPass;
  boolean wantFinal;

  ConfigReader(Options options, Environment environment, Exec exec, String host, String originalHost,
      boolean finalPass) {
    this.options = options;
    this.environment = environment;
    this.exec = exec;
    this.host = host;
    this.originalHost = originalHost;
    this.finalPass = finalPass;
  }

  void readTop(Path config, boolean checkPermissions) throws SshConfigException {
    boolean[] active = {true};
    read(config, checkPermissions, false, active, 0);
  }

  /** Reads one file; {@code active} is the including block's state, shared as OpenSSH shares its pointer. */
  void read(Path file, boolean checkPermissions, boolean neverMatch, boolean[] active, int depth)
      throws SshConfigException {
    if (depth > MAX_INCLUDE_DEPTH) {
      throw new SshConfigException(file, 0, display(file) + ": Too many recursive configuration includes (more "
          + "than " + MAX_INCLUDE_DEPTH + " levels of Include)", null);
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return; // OpenSSH reads a missing file as empty
    } catch (IOException e) {
      if (!Files.exists(file)) {
        return;
      }
      throw new SshConfigException(file, 0, "Can't open user config file " + display(file) + ": " + e, e);
    }
    if (checkPermissions) {
      checkPermissions(file);
    }
    int number = 0;
    for (String line : lines) {
      number++;
      processLine(file, number, line, neverMatch, active, depth);
    }
  }

  private void processLine(Path file, int number, String rawLine, boolean neverMatch, boolean[] active,
      int depth) throws SshConfigException {
    String line = stripTrailing(rawLine);
    Delimiter str = new Delimiter(line);
    String keyword = str.next(true);
    if (keyword != null && keyword.isEmpty()) {
      keyword = str.next(true);
    }
    if (keyword == null || keyword.isEmpty() || keyword.startsWith("#")) {
      return;
    }
    keyword = keyword.toLowerCase(Locale.ROOT);
    String rest = str.rest();
    if (rest == null || rest.isEmpty()) {
      throw error(file, number, "no argument after keyword \"" + keyword + "\"");
    }
    Keyword k = Keywords.get(keyword);
    if (k == null) {
      Value ignore = options.single("ignoreunknown");
      if (ignore != null && matchPatternList(keyword, ignore.first(), true) == 1) {
        return;
      }
      throw error(file, number, "Bad configuration option: " + keyword);
    }
    List<String> args = argvSplit(rest);
    if (args == null) {
      throw error(file, number, "invalid quotes");
    }
    boolean on = active[0];
    String key = k.name().toLowerCase(Locale.ROOT);
    switch (k.kind()) {
      case HOST -> {
        active[0] = false;
        for (String arg : args) {
          if (arg.isEmpty()) {
            throw error(file, number, "keyword " + keyword + " empty argument");
          }
          if (neverMatch) {
            break;
          }
          boolean negated = arg.startsWith("!");
          if (matchPattern(host, negated ? arg.substring(1) : arg)) {
            if (negated) {
              active[0] = false;
              break;
            }
            active[0] = true;
          }
        }
        return;
      }
      case MATCH -> {
        boolean value = MatchCriteria.match(this, file, number, rest);
        active[0] = !neverMatch && value;
        return;
      }
      case INCLUDE -> {
        include(file, number, args, active, depth);
        return;
      }
      case IGNORE -> {
        log.debug("{} line {}: deprecated or unsupported option \"{}\" ignored", display(file), number, keyword);
        return;
      }
      case COMMAND -> {
        String command = rest.substring(span(rest, 0, WHITESPACE + "="));
        if (on && !(key.equals("proxycommand") && options.single("proxyjump") != null)) {
          options.set(key, new Value(List.of(command), command, file, number));
        }
        return;
      }
      case JUMP -> {
        String jump = rest.substring(span(rest, 0, WHITESPACE + "="));
        int hash = jump.indexOf('#');
        String value = (hash >= 0 ? jump.substring(0, hash) : jump).strip();
        if (value.isEmpty()) {
          throw error(file, number, "Invalid ProxyJump \"" + jump + "\"");
        }
        if (on && options.single("proxycommand") == null && options.single("proxyjump") == null) {
          options.set("proxyjump", new Value(List.of(value), value, file, number));
          if (!value.equalsIgnoreCase("none")) {
            options.set("proxycommand", new Value(List.of("none"), "none", file, number));
          }
        }
        return;
      }
      default -> {
        // the ordinary keywords below
      }
    }
    String arg = args.isEmpty() ? null : args.get(0);
    switch (k.kind()) {
      case STRING, FILES, AGENT -> {
        if (arg == null || arg.isEmpty()) {
          throw error(file, number, "Missing argument.");
        }
        if (k.kind() == Kind.AGENT) {
          checkAgent(file, number, arg);
        }
      }
      case PORT -> {
        if (arg == null || arg.isEmpty()) {
          throw error(file, number, "Missing argument.");
        }
        if (toPort(arg) <= 0) {
          throw error(file, number, "Bad port '" + arg + "'.");
        }
      }
      case TIME -> {
        if (arg == null || arg.isEmpty()) {
          throw error(file, number, "missing time value.");
        }
        if (!arg.equals("none") && convtime(arg) < 0) {
          throw error(file, number, "invalid time value.");
        }
      }
      case INT -> {
        String problem = atoiError(arg);
        if (problem != null) {
          throw error(file, number, "integer value " + problem + ".");
        }
      }
      case STATES -> {
        if (arg == null || arg.isEmpty()) {
          throw error(file, number, "missing argument.");
        }
        if (!k.states().contains(arg.toLowerCase(Locale.ROOT))) {
          throw error(file, number, "unsupported option \"" + arg + "\".");
        }
      }
      case LIST -> {
        for (int i = 0; i < args.size(); i++) {
          if (args.get(i).isEmpty()) {
            throw error(file, number, "keyword " + keyword + " empty argument");
          }
          if (args.get(i).equalsIgnoreCase("none") && args.size() > 1) {
            throw error(file, number, "keyword " + keyword + " \"none\" argument must appear alone.");
          }
        }
      }
      case ACCUMULATE -> {
        if (args.isEmpty()) {
          throw error(file, number, "Missing argument.");
        }
      }
      default -> {
        // ANY: OpenSSH checks these; the library does not use them
      }
    }
    if (args.size() > 1 && Set.of(Kind.STRING, Kind.FILES, Kind.AGENT, Kind.PORT, Kind.TIME, Kind.INT,
        Kind.STATES).contains(k.kind())) {
      throw error(file, number, "keyword " + keyword + " extra arguments at end of line");
    }
    if (!on) {
      return;
    }
    Value value = new Value(List.copyOf(args), rest, file, number);
    switch (k.kind()) {
      case FILES -> {
        boolean duplicate = options.all(key).stream().anyMatch(v -> v.first().equals(arg));
        if (!duplicate) {
          if (options.all(key).size() >= MAX_IDENTITY_FILES) {
            throw error(file, number, "Too many " + k.name() + " files specified (max " + MAX_IDENTITY_FILES
                + ").");
          }
          options.add(key, value);
        }
      }
      case ACCUMULATE -> options.add(key, value);
      default -> options.set(key, value);
    }
  }

  private void include(Path file, int number, List<String> args, boolean[] active, int depth)
      throws SshConfigException {
    for (String arg : args) {
      if (arg.isEmpty()) {
        throw error(file, number, "keyword include empty argument");
      }
      String pattern = !arg.startsWith("/") && !arg.startsWith("~")
          ? environment.sshDirectory().toString() + "/" + arg
          : arg;
      if (pattern.startsWith("~/") || pattern.equals("~")) {
        pattern = environment.includeHome().toString() + pattern.substring(1);
      } else if (pattern.startsWith("~")) {
        throw error(file, number, "bad include path " + arg + " (~user is not supported here)");
      }
      List<Path> matches;
      try {
        matches = glob(pattern);
      } catch (IOException | RuntimeException e) {
        throw error(file, number, "glob failed for " + pattern + ": " + e.getMessage());
      }
      boolean wasActive = active[0];
      for (Path included : matches) {
        read(included, true, !wasActive, active, depth + 1);
        active[0] = wasActive; // an included file's Host and Match lines do not change the including block
      }
    }
  }

  private void checkAgent(Path file, int number, String arg) throws SshConfigException {
    try {
      percentExpand(arg, null, environment.environment());
    } catch (IllegalArgumentException e) {
      throw error(file, number, "Invalid environment expansion " + arg + ".");
    }
    if (arg.startsWith("$") && !arg.startsWith("${") && !validEnvName(arg.substring(1))) {
      throw error(file, number, "Invalid environment name " + arg + ".");
    }
  }
}
