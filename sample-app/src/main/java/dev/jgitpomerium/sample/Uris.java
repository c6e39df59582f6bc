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

  static final String SSH_URL_FORMS = "ssh://user@host[:port]/path or user@host:path";

  /**
   * A git URL as given on the command line; one that is malformed or not SSH is a usage error (status 2), quoted as the
   * user typed it (JGit's reading of a malformed URL is not what they typed).
   */
  static URIish parse(String uri) {
    URIish parsed;
    try {
      parsed = new URIish(uri);
    } catch (URISyntaxException e) {
      throw CliException.usage("'" + uri + "' is not a git URL (" + e.getReason() + "); use " + SSH_URL_FORMS, e);
    }
    if (!isSsh(parsed)) {
      throw CliException.usage("'" + uri + "' is not an SSH URL (" + SSH_URL_FORMS + ")", null);
    }
    return parsed;
  }

  static boolean isSsh(URIish uri) {
    return uri.getHost() != null && (uri.getScheme() == null || uri.getScheme().equals("ssh"));
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
