package dev.jgitpomerium.transport.internal.sshconfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.UnaryOperator;

/** OpenSSH's {@code percent_expand} and {@code dollar_expand}, and the values of the tokens it computes. */
final class Tokens {
  private Tokens() {}

  /**
   * {@code percent_expand} / {@code dollar_expand}: %-tokens from {@code tokens} (null: none allowed; {@code %%} is a
   * percent sign) and, when {@code environment} is non-null, {@code ${VAR}}.
   *
   * @throws IllegalArgumentException for an unknown token, a trailing %, or an unset or malformed variable
   */
  static String percentExpand(String input, Map<Character, String> tokens, UnaryOperator<String> environment) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (environment != null && c == '$' && i + 1 < input.length() && input.charAt(i + 1) == '{') {
        int close = input.indexOf('}', i + 2);
        if (close < 0) {
          throw new IllegalArgumentException("environment variable '" + input.substring(i + 2)
              + "' missing closing '}'");
        }
        String name = input.substring(i + 2, close);
        if (name.isEmpty()) {
          throw new IllegalArgumentException("zero-length environment variable");
        }
        String value = environment.apply(name);
        if (value == null) {
          throw new IllegalArgumentException("env var ${" + name + "} has no value");
        }
        out.append(value);
        i = close;
      } else if (c == '%' && tokens != null) {
        if (i + 1 >= input.length()) {
          throw new BadEscape("invalid format: '%' at the end", '\0');
        }
        char t = input.charAt(++i);
        if (t == '%') {
          out.append('%');
        } else if (tokens.containsKey(t)) {
          out.append(tokens.get(t));
        } else {
          throw new BadEscape("unknown key %" + t, t);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** A %-escape that is no token: {@link #key} is the character after the '%', or 0 for a '%' at the end. */
  static final class BadEscape extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    final char key;

    BadEscape(String message, char key) {
      super(message);
      this.key = key;
    }
  }

  static String connectionHash(String localHost, String host, String port, String user) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      for (String part : new String[] {localHost, host, port, user}) {
        sha1.update(part.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha1.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String shortHost(String host) {
    int dot = host.indexOf('.');
    return dot < 0 ? host : host.substring(0, dot);
  }
}
