package dev.jgitpomerium.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two outputs, for asserting that a tool prints exactly the same with jgit-pomerium as without it:
 * the failure names every extra, missing and changed line, not only the first.
 */
final class OutputDiff {
  private static final int MAX_REPORTED = 60;

  private OutputDiff() {}

  /**
   * The differences between {@code expected} and {@code actual} as {@code -N: line} (only in expected, at its line N)
   * and {@code +N: line} (only in actual) rows, in order; empty when the two are equal.
   */
  static List<String> diff(List<String> expected, List<String> actual) {
    int n = expected.size();
    int m = actual.size();
    // Longest common subsequence, from the end, so the walk below can go forwards.
    int[][] common = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        common[i][j] = expected.get(i).equals(actual.get(j))
            ? common[i + 1][j + 1] + 1
            : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> rows = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && expected.get(i).equals(actual.get(j))) {
        i++;
        j++;
      } else if (j < m && (i == n || common[i][j + 1] >= common[i + 1][j])) {
        rows.add("+" + (j + 1) + ": " + actual.get(j++));
      } else {
        rows.add("-" + (i + 1) + ": " + expected.get(i++));
      }
    }
    return rows;
  }

  /** The diff as a message: at most {@value #MAX_REPORTED} rows, then how many more there are. */
  static String describe(List<String> rows) {
    StringBuilder text = new StringBuilder();
    rows.stream().limit(MAX_REPORTED).forEach(row -> text.append(row).append('\n'));
    if (rows.size() > MAX_REPORTED) {
      text.append("... and ").append(rows.size() - MAX_REPORTED).append(" more\n");
    }
    return text.toString();
  }
}
