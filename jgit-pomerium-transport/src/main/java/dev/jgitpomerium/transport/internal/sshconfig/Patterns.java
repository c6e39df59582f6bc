package dev.jgitpomerium.transport.internal.sshconfig;

import java.util.Locale;

/** OpenSSH's {@code match.c}: the patterns of Host, Match and IgnoreUnknown. */
final class Patterns {
  private Patterns() {}

  /** match.c's match_pattern: {@code *} and {@code ?}, case-sensitive. */
  static boolean matchPattern(String s, String pattern) {
    return matchPattern(s, 0, pattern, 0);
  }

  private static boolean matchPattern(String s, int si, String p, int pi) {
    while (true) {
      if (pi == p.length()) {
        return si == s.length();
      }
      char c = p.charAt(pi);
      if (c == '*') {
        while (pi < p.length() && p.charAt(pi) == '*') {
          pi++;
        }
        if (pi == p.length()) {
          return true;
        }
        for (int i = si; i < s.length(); i++) {
          if (matchPattern(s, i, p, pi)) {
            return true;
          }
        }
        return false;
      }
      if (si == s.length() || (c != '?' && c != s.charAt(si))) {
        return false;
      }
      si++;
      pi++;
    }
  }

  /** match.c's match_pattern_list: -1 when a negated pattern matches, 1 for a positive match, else 0. */
  static int matchPatternList(String s, String patterns, boolean lower) {
    boolean positive = false;
    for (String sub : patterns.split(",", -1)) {
      boolean negated = sub.startsWith("!");
      String p = negated ? sub.substring(1) : sub;
      if (lower) {
        p = p.toLowerCase(Locale.ROOT);
      }
      if (matchPattern(s, p)) {
        if (negated) {
          return -1;
        }
        positive = true;
      }
    }
    return positive ? 1 : 0;
  }
}
