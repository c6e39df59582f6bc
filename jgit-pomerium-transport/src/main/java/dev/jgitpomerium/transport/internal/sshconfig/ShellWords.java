package dev.jgitpomerium.transport.internal.sshconfig;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Reads a simple command line into the words a POSIX shell would run it with: quotes, backslash escapes, {@code ~}
 * and {@code ~/} at the start of a word, {@code $VAR} and {@code ${VAR}} (split into fields where unquoted, as the
 * shell does), a leading {@code exec}, a trailing comment. A line with anything more (pipes, {@code ;}, {@code &&},
 * redirections, {@code $(...)}, backticks, globs, assignments, {@code ${VAR:-x}}, {@code ~user}, ...) cannot be read
 * in-process: {@link #split} answers null, and the caller runs it through the shell instead.
 */
public final class ShellWords {
  private static final String NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
  private static final String NAME_PART = NAME_START + "0123456789";
  private static final Set<String> RESERVED = Set.of("!", "{", "}", "case", "do", "done", "elif", "else", "esac",
      "fi", "for", "if", "in", "then", "until", "while", "[[", "]]", "function", "select", "time");

  private ShellWords() {}

  /** Thrown for a line the shell itself would refuse (an unterminated quote). */
  public static final class SyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SyntaxException(String message) {
      super(message);
    }
  }

  /**
   * The words of {@code line}, or null if it needs a shell. {@code environment} answers variables ({@code HOME} for
   * {@code ~}).
   *
   * @throws SyntaxException if the shell would refuse the line
   */
  public static List<String> split(String line, UnaryOperator<String> environment) {
    String ifs = environment.apply("IFS");
    if (ifs != null && !ifs.equals(" \t\n")) {
      return null;
    }
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    BitSet splittable = new BitSet();
    boolean inWord = false;
    boolean hasQuoted = false;
    boolean globbed = false;
    int n = line.length();
    int i = 0;
    while (i < n) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t') {
        if (inWord && !finish(words, word, splittable, hasQuoted, globbed)) {
          return null;
        }
        inWord = false;
        hasQuoted = false;
        globbed = false;
        i++;
        continue;
      }
      if (c == '\n' || "|&;<>()`".indexOf(c) >= 0) {
        return null;
      }
      if (c == '#' && !inWord) {
        break;
      }
      if (c == '*' || c == '?' || c == '[') {
        globbed = true; // pathname expansion: the word stays as it is unless it names files
      }
      if (c == '~' && !inWord) {
        int end = i + 1;
        while (end < n && line.charAt(end) != '/' && " \t".indexOf(line.charAt(end)) < 0) {
          end++;
        }
        if (end > i + 1) {
          return null; // ~user, or ~ followed by quotes or expansions
        }
        String home = environment.apply("HOME");
        if (home == null) {
          return null;
        }
        word.append(home);
        inWord = true;
        hasQuoted = true; // the result is not split
        i = end;
        continue;
      }
      inWord = true;
      if (c == '\\') {
        if (i + 1 >= n) {
          return null;
        }
        char next = line.charAt(i + 1);
        if (next != '\n') {
          word.append(next);
          hasQuoted = true;
        }
        i += 2;
        continue;
      }
      if (c == '\'') {
        int close = line.indexOf('\'', i + 1);
        if (close < 0) {
          throw new SyntaxException("unterminated quoted string");
        }
        word.append(line, i + 1, close);
        hasQuoted = true;
        i = close + 1;
        continue;
      }
      if (c == '"') {
        hasQuoted = true;
        i++;
        while (true) {
          if (i >= n) {
            throw new SyntaxException("unterminated quoted string");
          }
          char d = line.charAt(i);
          if (d == '"') {
            i++;
            break;
          }
          if (d == '`') {
            return null;
          }
          if (d == '\\' && i + 1 < n && "$`\"\\\n".indexOf(line.charAt(i + 1)) >= 0) {
            if (line.charAt(i + 1) != '\n') {
              word.append(line.charAt(i + 1));
            }
            i += 2;
            continue;
          }
          if (d == '$') {
            int after = expand(line, i, environment, word, null);
            if (after < 0) {
              return null;
            }
            i = after;
            continue;
          }
          word.append(d);
          i++;
        }
        continue;
      }
      if (c == '$') {
        int start = word.length();
        int after = expand(line, i, environment, word, splittable);
        if (after < 0) {
          return null;
        }
        for (int k = start; k < word.length(); k++) {
          if ("*?[".indexOf(word.charAt(k)) >= 0) {
            globbed = true;
          }
        }
        i = after;
        continue;
      }
      if (c == '=' && !hasQuoted && words.isEmpty() && isName(word)) {
        return null; // an assignment before the command
      }
      word.append(c);
      i++;
    }
    if (inWord && !finish(words, word, splittable, hasQuoted, globbed)) {
      return null;
    }
    if (!words.isEmpty() && RESERVED.contains(words.get(0))) {
      return null;
    }
    if (!words.isEmpty() && words.get(0).equals("exec")) {
      words.remove(0);
      if (!words.isEmpty() && words.get(0).startsWith("-")) {
        return null;
      }
    }
    return words;
  }

  /**
   * Expands the parameter at {@code line[i] == '$'} into {@code word}, marking its characters in {@code splittable}
   * (null inside double quotes); returns the index after it, or -1 if it needs a shell.
   */
  private static int expand(String line, int i, UnaryOperator<String> environment, StringBuilder word,
      BitSet splittable) {
    int n = line.length();
    if (i + 1 >= n) {
      word.append('$');
      return i + 1;
    }
    char next = line.charAt(i + 1);
    String name;
    int after;
    if (next == '{') {
      int close = line.indexOf('}', i + 2);
      if (close < 0) {
        return -1;
      }
      name = line.substring(i + 2, close);
      if (!isName(name)) {
        return -1; // ${VAR:-x}, ${#VAR}, ${1}, ...
      }
      after = close + 1;
    } else if (NAME_START.indexOf(next) >= 0) {
      int end = i + 1;
      while (end < n && NAME_PART.indexOf(line.charAt(end)) >= 0) {
        end++;
      }
      name = line.substring(i + 1, end);
      after = end;
    } else if (Character.isDigit(next) || "@*#?$!-(".indexOf(next) >= 0
        || (splittable != null && "\"'".indexOf(next) >= 0)) {
      return -1; // positional and special parameters, $(...); unquoted $'...' and $"..." differ between shells
    } else {
      word.append('$');
      return i + 1;
    }
    String value = environment.apply(name);
    if (value != null) {
      int start = word.length();
      word.append(value);
      if (splittable != null) {
        splittable.set(start, word.length());
      }
    }
    return after;
  }

  private static boolean isName(CharSequence s) {
    if (s.length() == 0 || NAME_START.indexOf(s.charAt(0)) < 0) {
      return false;
    }
    for (int k = 1; k < s.length(); k++) {
      if (NAME_PART.indexOf(s.charAt(k)) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Ends a word: field splitting where unquoted expansions put white space, and removal of an empty one. False when
   * a field with glob characters names files, so the shell would replace it.
   */
  private static boolean finish(List<String> words, StringBuilder word, BitSet splittable, boolean hasQuoted,
      boolean globbed) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean fieldHasContent = false;
    for (int k = 0; k < word.length(); k++) {
      char ch = word.charAt(k);
      if (splittable.get(k) && " \t\n".indexOf(ch) >= 0) {
        if (fieldHasContent) {
          fields.add(field.toString());
          field.setLength(0);
          fieldHasContent = false;
        }
      } else {
        field.append(ch);
        fieldHasContent = true;
      }
    }
    if (fieldHasContent) {
      fields.add(field.toString());
    } else if (fields.isEmpty() && hasQuoted) {
      fields.add("");
    }
    word.setLength(0);
    splittable.clear();
    if (globbed && fields.stream().anyMatch(ShellWords::namesFiles)) {
      return false;
    }
    words.addAll(fields);
    return true;
  }

  /** Whether {@code pattern}, as the shell's pathname expansion reads it, matches anything in the working directory. */
  private static boolean namesFiles(String pattern) {
    if (pattern.indexOf('/') >= 0) {
      return true; // a pattern across directories: leave it to the shell
    }
    StringBuilder regex = new StringBuilder();
    for (int k = 0; k < pattern.length(); k++) {
      char c = pattern.charAt(k);
      int close = c == '[' ? pattern.indexOf(']', k + 2) : -1;
      if (c == '*') {
        regex.append(".*");
      } else if (c == '?') {
        regex.append('.');
      } else if (close > 0) {
        String set = pattern.substring(k + 1, close);
        boolean negated = set.startsWith("!");
        regex.append('[').append(negated ? "^" : "")
            .append((negated ? set.substring(1) : set).replace("\\", "\\\\").replace("[", "\\[")).append(']');
        k = close;
      } else {
        regex.append(java.util.regex.Pattern.quote(String.valueOf(c)));
      }
    }
    java.util.regex.Pattern compiled;
    try {
      compiled = java.util.regex.Pattern.compile(regex.toString());
    } catch (java.util.regex.PatternSyntaxException e) {
      return true;
    }
    String[] names = new java.io.File(System.getProperty("user.dir")).list();
    if (names == null) {
      return false;
    }
    for (String name : names) {
      if ((!name.startsWith(".") || pattern.startsWith(".")) && compiled.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }
}
