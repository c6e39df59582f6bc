package dev.jgitpomerium.transport.internal.routing;

import dev.jgitpomerium.transport.internal.proxy.ProxyUrl;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way a ProxyCommand line is shown (doctor, logs, messages): the value of {@code --service-account} as
 * {@code <redacted>} and the user info of {@code --forward-proxy} as {@code ***}, whichever way the flag and its value
 * are quoted ({@code "--service-account" "JWT"}, {@code "--service-account=JWT"}, {@code --forward-proxy='URL'}).
 * The line is cut into words as the shell quotes them (without expanding anything, so that {@code $VAR} shows as
 * written); a word that holds no secret is shown as written, a redacted one re-quoted with single quotes where the
 * shell needs them. A line the shell could not read (an unterminated quote) is still cut, its last word running to
 * the end, so that a secret in it is hidden too.
 */
public final class RedactedCommandLine {
  static final String SERVICE_ACCOUNT = "--service-account";
  static final String FORWARD_PROXY = "--forward-proxy";
  private static final String REDACTED = "<redacted>";

  private RedactedCommandLine() {}

  /** {@code line} with no service-account token and no forward-proxy user info in it. */
  public static String of(String line) {
    if (line == null) {
      return null;
    }
    List<Word> words = split(line);
    StringBuilder out = new StringBuilder();
    int shownTo = 0;
    String pendingFlag = null;
    for (Word w : words) {
      String shown = w.raw;
      if (pendingFlag != null) {
        shown = redactValue(pendingFlag, w.value);
        pendingFlag = null;
      } else if (w.value.equals(SERVICE_ACCOUNT) || w.value.equals(FORWARD_PROXY)) {
        pendingFlag = w.value;
      } else if (w.value.startsWith(SERVICE_ACCOUNT + "=") || w.value.startsWith(FORWARD_PROXY + "=")) {
        int eq = w.value.indexOf('=');
        String flag = w.value.substring(0, eq);
        shown = flag + "=" + redactValue(flag, w.value.substring(eq + 1));
      }
      out.append(line, shownTo, w.start).append(shown);
      shownTo = w.end;
    }
    return out.append(line.substring(shownTo)).toString();
  }

  private static String redactValue(String flag, String value) {
    return flag.equals(SERVICE_ACCOUNT) ? REDACTED : quoted(ProxyUrl.redact(value));
  }

  /** {@code word} as the shell would read it back: bare when it can, else in single quotes. */
  static String quoted(String word) {
    if (!word.isEmpty() && word.chars().allMatch(c -> c < 0x80
        && (Character.isLetterOrDigit(c) || "@%+=:,./_-".indexOf(c) >= 0))) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  private record Word(int start, int end, String raw, String value) {}

  /** POSIX quoting only: quotes and backslashes are removed from the value, nothing is expanded. */
  private static List<Word> split(String line) {
    List<Word> words = new ArrayList<>();
    int n = line.length();
    int i = 0;
    while (i < n) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n') {
        i++;
        continue;
      }
      int start = i;
      StringBuilder value = new StringBuilder();
      while (i < n) {
        c = line.charAt(i);
        if (c == ' ' || c == '\t' || c == '\n') {
          break;
        }
        if (c == '\'') {
          int close = line.indexOf('\'', i + 1);
          int end = close < 0 ? n : close;
          value.append(line, i + 1, end);
          i = close < 0 ? n : close + 1;
        } else if (c == '"') {
          i++;
          while (i < n && line.charAt(i) != '"') {
            char d = line.charAt(i);
            if (d == '\\' && i + 1 < n && "\"\\$`\n".indexOf(line.charAt(i + 1)) >= 0) {
              i++;
              d = line.charAt(i);
            }
            value.append(d);
            i++;
          }
          i = Math.min(n, i + 1);
        } else if (c == '\\' && i + 1 < n) {
          value.append(line.charAt(i + 1));
          i += 2;
        } else {
          value.append(c);
          i++;
        }
      }
      words.add(new Word(start, i, line.substring(start, i), value.toString()));
    }
    return words;
  }
}
