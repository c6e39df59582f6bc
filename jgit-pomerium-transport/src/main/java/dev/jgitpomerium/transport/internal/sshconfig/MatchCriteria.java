package dev.jgitpomerium.transport.internal.sshconfig;

import static dev.jgitpomerium.transport.internal.sshconfig.ConfigFiles.error;
import static dev.jgitpomerium.transport.internal.sshconfig.HostNames.expandHostName;
import static dev.jgitpomerium.transport.internal.sshconfig.Patterns.matchPatternList;
import static dev.jgitpomerium.transport.internal.sshconfig.Tokens.connectionHash;
import static dev.jgitpomerium.transport.internal.sshconfig.Tokens.percentExpand;
import static dev.jgitpomerium.transport.internal.sshconfig.Tokens.shortHost;

import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.sshconfig.Lexer.Delimiter;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Environment;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Value;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A {@code Match} line evaluated as OpenSSH's {@code match_cfg_line}, in one {@link ConfigReader}'s pass. */
final class MatchCriteria {
  private MatchCriteria() {}

  /**
   * OpenSSH's match_cfg_line: whether the criteria of the Match line {@code condition} hold in {@code reader}'s pass
   * ({@code Match final} also asks the reader for a final pass).
   */
  static boolean match(ConfigReader reader, Path file, int number, String condition) throws SshConfigException {
    Options options = reader.options;
    Environment environment = reader.environment;
    String host = reader.host;
    String originalHost = reader.originalHost;
    boolean finalPass = reader.finalPass;
    String port = options.single("port") != null ? options.single("port").first() : "22";
    String remoteUser = options.single("user") != null ? options.single("user").first()
        : environment.localUser();
    String matchHost;
    if (finalPass) {
      matchHost = options.single("hostname").first();
    } else if (options.single("hostname") != null) {
      matchHost = expandHostName(options.single("hostname"), host);
    } else {
      matchHost = host;
    }
    Delimiter cp = new Delimiter(condition);
    boolean result = true;
    int attributes = 0;
    String attribute;
    while ((attribute = cp.next(true)) != null && !attribute.isEmpty()) {
      if (attribute.startsWith("#")) {
        break;
      }
      boolean negate = attribute.startsWith("!");
      String name = (negate ? attribute.substring(1) : attribute).toLowerCase(Locale.ROOT);
      if (name.equals("all")) {
        String next = cp.next(true);
        if (attributes > 1 || (next != null && !next.isEmpty() && !next.startsWith("#"))) {
          throw error(file, number, "'" + attribute + "' cannot be combined with other Match attributes");
        }
        return result && !negate;
      }
      attributes++;
      if (name.equals("canonical") || name.equals("final")) {
        if (name.equals("final")) {
          reader.wantFinal = true;
        }
        if (finalPass == negate) {
          result = false;
        }
        continue;
      }
      String arg = cp.next(true);
      if (arg == null || arg.isEmpty() || arg.startsWith("#")) {
        throw error(file, number, "Missing Match criteria for " + name);
      }
      boolean matched;
      switch (name) {
        case "host" -> matched = matchPatternList(matchHost.toLowerCase(Locale.ROOT), arg, true) == 1;
        case "originalhost" -> matched = matchPatternList(originalHost.toLowerCase(Locale.ROOT), arg, true) == 1;
        case "user" -> matched = matchPatternList(remoteUser, arg, false) == 1;
        case "localuser" -> matched = matchPatternList(environment.localUser(), arg, false) == 1;
        case "tagged" -> {
          Value tag = options.single("tag");
          matched = matchPatternList(tag == null ? "" : tag.first(), arg, false) == 1;
        }
        case "exec" -> {
          if (!result) {
            continue; // OpenSSH skips the command once an earlier criterion failed
          }
          Map<Character, String> tokens = new HashMap<>();
          tokens.put('C', connectionHash(environment.localHost(), matchHost, port, remoteUser));
          tokens.put('L', shortHost(environment.localHost()));
          tokens.put('d', environment.home().toString());
          tokens.put('h', matchHost);
          Value alias = options.single("hostkeyalias");
          tokens.put('k', alias != null ? alias.first() : matchHost);
          tokens.put('l', environment.localHost());
          tokens.put('n', originalHost);
          tokens.put('p', port);
          tokens.put('r', remoteUser);
          tokens.put('u', environment.localUser());
          tokens.put('i', environment.uid());
          String command;
          try {
            command = percentExpand(arg, tokens, null);
          } catch (IllegalArgumentException e) {
            throw error(file, number, "match exec '" + arg + "': " + e.getMessage());
          }
          int status;
          try {
            status = reader.exec.run(command, environment);
          } catch (IOException e) {
            throw error(file, number, "match exec '" + command + "' error: " + e.getMessage());
          }
          matched = status == 0;
        }
        default -> throw error(file, number, "Unsupported Match attribute " + name);
      }
      if (matched == negate) {
        result = false;
      }
    }
    if (attributes == 0) {
      throw error(file, number, "One or more attributes required for Match");
    }
    return result;
  }
}
