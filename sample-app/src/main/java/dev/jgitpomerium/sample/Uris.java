package dev.jgitpomerium.sample;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.eclipse.jgit.transport.URIish;

final class Uris {
  private Uris() {}

  static URIish parse(String uri) {
    try {
      return new URIish(uri);
    } catch (URISyntaxException e) {
      throw new CliException("not a git URL: " + uri + " (" + e.getReason() + ")", e);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
