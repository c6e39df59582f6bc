package dev.jgitpomerium.transport.internal;

import java.util.ArrayList;
import java.util.List;

/** Splitting of command lines (a browser command, an ssh config value) as the shell and ssh would. */
public final class Words {
  private Words() {}

  /** Splits on white space, honouring single and double quotes. */
  public static List<String> split(String commandLine) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : commandLine.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unbalanced quote in command: " + commandLine);
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
