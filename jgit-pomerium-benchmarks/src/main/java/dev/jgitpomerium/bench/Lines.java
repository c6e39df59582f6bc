package dev.jgitpomerium.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The server's answer lines: a keyword, then {@code key=value} fields separated by spaces. */
final class Lines {
  private Lines() {}

  static Map<String, String> fields(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    String[] parts = line.strip().split(" +");
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("malformed field '" + parts[i] + "' in: " + line);
      }
      fields.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
    }
    return fields;
  }
}
