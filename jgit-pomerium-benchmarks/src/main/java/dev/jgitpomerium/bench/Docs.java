package dev.jgitpomerium.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Puts a run's results into {@code docs/benchmarks.md} (between two marker comments, leaving the
 * hand-written text around them alone) and its chart into {@code docs/benchmarks.png}.
 */
final class Docs {
  static final String BEGIN = "<!-- BEGIN GENERATED RESULTS: ./bench.sh --write-docs -->";
  static final String END = "<!-- END GENERATED RESULTS -->";
  static final String MARKDOWN = "benchmarks.md";
  static final String CHART = "benchmarks.png";

  private Docs() {}

  static void update(Path docs, String generatedMarkdown, Path chart) throws IOException {
    Path page = docs.resolve(MARKDOWN);
    String text = Files.readString(page, StandardCharsets.UTF_8);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IOException(page + " has no " + BEGIN + " … " + END + " section to replace");
    }
    String updated =
        text.substring(0, begin + BEGIN.length())
            + "\n\n"
            + generatedMarkdown.strip()
            + "\n\n"
            + text.substring(end);
    Files.writeString(page, updated, StandardCharsets.UTF_8);
    Files.copy(chart, docs.resolve(CHART), StandardCopyOption.REPLACE_EXISTING);
  }
}
