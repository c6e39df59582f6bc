package dev.jgitpomerium.transport.internal.sshconfig;

import java.util.ArrayList;
import java.util.List;

/**
 * How OpenSSH cuts a config line into words ({@code misc.c}): {@code strdelim} for the keyword and the Match
 * criteria, {@code argv_split} for a keyword's arguments.
 */
final class Lexer {
  static final String WHITESPACE = " \t\r\n";

  private Lexer() {}

  /** misc.c's argv_split with comments: words, quotes, a few backslash escapes; null when a quote is unbalanced. */
  static List<String> argvSplit(String s) {
    List<String> args = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t') {
        i++;
        continue;
      }
      if (c == '#') {
        break;
      }
      StringBuilder arg = new StringBuilder();
      char quote = 0;
      for (; i < n; i++) {
        c = s.charAt(i);
        if (c == '\\' && i + 1 < n) {
          char next = s.charAt(i + 1);
          if (next == '\'' || next == '"' || next == '\\' || (quote == 0 && next == ' ')) {
            arg.append(next);
            i++;
          } else {
            arg.append(c);
          }
        } else if (quote == 0 && (c == ' ' || c == '\t')) {
          break;
        } else if (quote == 0 && (c == '"' || c == '\'')) {
          quote = c;
        } else if (quote != 0 && c == quote) {
          quote = 0;
        } else {
          arg.append(c);
        }
      }
      if (quote != 0) {
        return null;
      }
      args.add(arg.toString());
    }
    return args;
  }

  /** misc.c's strdelim: words split on white space or one '=', double quotes kept together. */
  static final class Delimiter {
    private String s;
    private int pos;

    Delimiter(String s) {
      this.s = s;
    }

    /** What is left after the words taken so far, with leading white space skipped; null at the end. */
    String rest() {
      if (s == null) {
        return null;
      }
      return s.substring(span(s, pos, WHITESPACE));
    }

    String next(boolean splitEquals) {
      if (s == null) {
        return null;
      }
      String delimiters = WHITESPACE + "\"" + (splitEquals ? "=" : "");
      int j = pos;
      while (j < s.length() && delimiters.indexOf(s.charAt(j)) < 0) {
        j++;
      }
      if (j == s.length()) {
        String token = s.substring(pos);
        s = null;
        return token;
      }
      if (s.charAt(j) == '"') {
        int close = s.indexOf('"', j + 1);
        if (close < 0) {
          s = null;
          return null;
        }
        String token = s.substring(pos, j) + s.substring(j + 1, close);
        pos = span(s, close + 1, WHITESPACE);
        return token;
      }
      boolean equals = splitEquals && s.charAt(j) == '=';
      String token = s.substring(pos, j);
      pos = span(s, j + 1, WHITESPACE);
      if (splitEquals && pos < s.length() && s.charAt(pos) == '=' && !equals) {
        pos = span(s, pos + 1, WHITESPACE);
      }
      return token;
    }
  }

  static int span(String s, int from, String chars) {
    int i = from;
    while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return i;
  }

  static String stripTrailing(String line) {
    int end = line.length();
    while (end > 0 && (WHITESPACE + "\f").indexOf(line.charAt(end - 1)) >= 0) {
      end--;
    }
    return line.substring(0, end);
  }
}
