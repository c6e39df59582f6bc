package dev.jgitpomerium.testkit;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of a JWT's claims as the test gateway reads them: one object whose values are strings, numbers, booleans,
 * null or arrays of those (what CI and Kubernetes tokens carry at the top level; nested objects are refused, as the
 * gateway has no use for them). Strict otherwise: anything malformed is an {@link IllegalArgumentException}.
 */
final class Claims {
  private final String text;
  private int at;

  private Claims(String text) {
    this.text = text;
  }

  static Map<String, Object> parse(String json) {
    Claims c = new Claims(json);
    Map<String, Object> claims = new LinkedHashMap<>();
    c.expect('{');
    if (!c.next('}')) {
      do {
        String name = c.string();
        c.expect(':');
        if (claims.put(name, c.value(true)) != null) {
          throw new IllegalArgumentException("claim " + name + " twice");
        }
      } while (c.next(','));
      c.expect('}');
    }
    c.space();
    if (c.at != json.length()) {
      throw new IllegalArgumentException("text after the claims");
    }
    return claims;
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') {
        out.append('\\').append(ch);
      } else if (ch < 0x20) {
        out.append(String.format("\\u%04x", (int) ch));
      } else {
        out.append(ch);
      }
    }
    return out.append('"').toString();
  }

  private Object value(boolean arrayAllowed) {
    space();
    char ch = at < text.length() ? text.charAt(at) : '\0';
    if (ch == '"') {
      return string();
    }
    if (ch == '[' && arrayAllowed) {
      at++;
      List<Object> items = new ArrayList<>();
      if (!next(']')) {
        do {
          items.add(value(false));
        } while (next(','));
        expect(']');
      }
      return items;
    }
    for (String word : new String[] {"true", "false", "null"}) {
      if (text.startsWith(word, at)) {
        at += word.length();
        return word.equals("null") ? null : Boolean.valueOf(word);
      }
    }
    int start = at;
    while (at < text.length() && "+-.eE0123456789".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
    try {
      return new BigDecimal(text.substring(start, at));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad value at " + start);
    }
  }

  private String string() {
    space();
    expect('"');
    StringBuilder out = new StringBuilder();
    while (at < text.length()) {
      char ch = text.charAt(at++);
      if (ch == '"') {
        return out.toString();
      }
      if (ch == '\\') {
        char e = text.charAt(at++);
        switch (e) {
          case 'u' -> {
            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
            at += 4;
          }
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case 'r' -> out.append('\r');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          default -> out.append(e);
        }
      } else {
        out.append(ch);
      }
    }
    throw new IllegalArgumentException("unterminated string");
  }

  private boolean next(char ch) {
    space();
    if (at < text.length() && text.charAt(at) == ch) {
      at++;
      return true;
    }
    return false;
  }

  private void expect(char ch) {
    if (!next(ch)) {
      throw new IllegalArgumentException("expected '" + ch + "' at " + at);
    }
  }

  private void space() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }
}
