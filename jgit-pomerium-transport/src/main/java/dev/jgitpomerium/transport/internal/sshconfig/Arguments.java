package dev.jgitpomerium.transport.internal.sshconfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** OpenSSH's checks and readings of argument values ({@code misc.c}): ports, times, integers, variable names. */
final class Arguments {
  private static final Pattern DIGITS = Pattern.compile("[+-]?[0-9]+");

  private Arguments() {}

  /** misc.c's a2port: 1 to 65535, or a service name from /etc/services; -1 or 0 when invalid. */
  static int toPort(String s) {
    if (DIGITS.matcher(s).matches()) {
      try {
        long port = Long.parseLong(s);
        return port >= 0 && port <= 65535 ? (int) port : -1;
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    try (Stream<String> services = Files.lines(Path.of("/etc/services"), StandardCharsets.ISO_8859_1)) {
      return services.map(l -> l.replaceFirst("#.*", "").trim().split("\\s+"))
          .filter(w -> w.length >= 2 && w[1].endsWith("/tcp")
              && (w[0].equals(s) || List.of(w).subList(2, w.length).contains(s)))
          .map(w -> Integer.parseInt(w[1].substring(0, w[1].indexOf('/'))))
          .findFirst().orElse(-1);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** misc.c's convtime: seconds, or sums like 1h30m; -1 when invalid. */
  static long convtime(String s) {
    if (s == null || s.isEmpty()) {
      return -1;
    }
    long total = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      if (i == start || i - start > 9) {
        return -1;
      }
      long secs = Long.parseLong(s.substring(start, i));
      long multiplier = 1;
      if (i < s.length()) {
        switch (s.charAt(i++)) {
          case 's', 'S' -> multiplier = 1;
          case 'm', 'M' -> multiplier = 60;
          case 'h', 'H' -> multiplier = 3600;
          case 'd', 'D' -> multiplier = 86_400;
          case 'w', 'W' -> multiplier = 604_800;
          default -> {
            return -1;
          }
        }
      }
      total += secs * multiplier;
      if (total > Integer.MAX_VALUE) {
        return -1;
      }
    }
    return total;
  }

  /** misc.c's atoi_err: null when {@code s} is an integer from 0 to INT_MAX, else OpenSSH's word for why not. */
  static String atoiError(String s) {
    if (s == null || s.isEmpty()) {
      return "missing";
    }
    if (!DIGITS.matcher(s).matches()) {
      return "invalid";
    }
    if (s.startsWith("-") && !s.matches("-0+")) {
      return "too small";
    }
    String digits = s.replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
    return digits.length() > 10 || Long.parseLong(digits) > Integer.MAX_VALUE ? "too large" : null;
  }

  static boolean validEnvName(String name) {
    return !name.isEmpty() && name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_'));
  }
}
