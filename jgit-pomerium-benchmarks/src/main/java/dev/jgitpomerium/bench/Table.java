package dev.jgitpomerium.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of text cells, rendered as a Markdown table or as aligned plain text. The first column is
 * left-aligned and the others, figures, right-aligned, unless the table is {@link #leftAligned()}.
 */
final class Table {
  private final String[] headers;
  private final List<String[]> rows = new ArrayList<>();
  private boolean allLeft;

  Table(String... headers) {
    this.headers = headers;
  }

  /** Every column left-aligned: for tables of text rather than figures. */
  Table leftAligned() {
    allLeft = true;
    return this;
  }

  Table row(String... cells) {
    if (cells.length != headers.length) {
      throw new IllegalArgumentException("expected " + headers.length + " cells");
    }
    rows.add(cells);
    return this;
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", headers)).append(" |\n");
    out.append("|");
    for (int i = 0; i < headers.length; i++) {
      out.append(i == 0 || allLeft ? "---|" : "---:|");
    }
    out.append('\n');
    for (String[] row : rows) {
      out.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    return out.toString();
  }

  String text() {
    int[] widths = new int[headers.length];
    for (int i = 0; i < headers.length; i++) {
      widths[i] = headers[i].length();
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], plain(row[i]).length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, headers, widths);
    char[] rule = new char[Arrays.stream(widths).sum() + 2 * (widths.length - 1)];
    Arrays.fill(rule, '-');
    out.append(rule).append('\n');
    for (String[] row : rows) {
      line(out, row, widths);
    }
    return out.toString();
  }

  private void line(StringBuilder out, String[] cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String cell = plain(cells[i]);
      boolean left = i == 0 || allLeft;
      String padding = " ".repeat(widths[i] - cell.length());
      line.append(left ? cell + padding : padding + cell);
      line.append(i == cells.length - 1 ? "" : "  ");
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }

  /** Markdown emphasis and code marks are dropped in plain text. */
  private static String plain(String cell) {
    return cell.replace("**", "").replace("`", "");
  }
}
