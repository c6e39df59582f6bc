package dev.jgitpomerium.bench;

import dev.jgitpomerium.testkit.TestRepositories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * The repository the benchmark clones, generated once per {@link RepositorySpec} and cached.
 *
 * <p>Objects are written with an inserter, never through a work tree, and the result is packed
 * once with {@code gc}, so the server streams a pack with bitmaps as a real git host would rather
 * than packing thousands of loose objects on every clone. Generation happens in a scratch directory
 * that is renamed into place only when complete, so an interrupted run never leaves a half-made
 * repository in the cache.
 */
final class BenchRepository {
  static final String NAME = "bench.git";
  private static final String BRANCH = Constants.R_HEADS + "main";

  private final Path root;
  private final ObjectId head;
  private final long packBytes;
  private final boolean generated;

  private BenchRepository(Path root, ObjectId head, long packBytes, boolean generated) {
    this.root = root;
    this.head = head;
    this.packBytes = packBytes;
    this.generated = generated;
  }

  /** Opens the cached repository for {@code spec} under {@code cacheDir}, generating it first. */
  static BenchRepository openOrGenerate(Path cacheDir, RepositorySpec spec) throws IOException {
    Path root = cacheDir.resolve(spec.cacheKey());
    boolean generated = false;
    if (!Files.isDirectory(root.resolve(NAME))) {
      generate(cacheDir, root, spec);
      generated = true;
    }
    try (Repository repository = open(root)) {
      ObjectId head = repository.resolve(BRANCH);
      if (head == null) {
        throw new IOException(root + " has no " + BRANCH + "; delete it to generate it again");
      }
      return new BenchRepository(root, head, packBytes(root), generated);
    }
  }

  /** The directory to serve: it holds {@link #NAME}. */
  Path root() {
    return root;
  }

  ObjectId head() {
    return head;
  }

  long packBytes() {
    return packBytes;
  }

  /** Whether this run generated it (rather than finding it in the cache). */
  boolean generated() {
    return generated;
  }

  private static void generate(Path cacheDir, Path root, RepositorySpec spec) throws IOException {
    Files.createDirectories(cacheDir);
    Path scratch = Files.createTempDirectory(cacheDir, spec.cacheKey() + ".tmp-");
    try {
      Path gitDir = scratch.resolve(NAME);
      try (Git git =
          Git.init().setBare(true).setDirectory(gitDir.toFile()).setInitialBranch("main").call()) {
        TestRepositories.commitFiles(
            git.getRepository(), spec.commits(), spec.bytesPerFile(), spec.seed());
        git.gc().call();
      } catch (GitAPIException e) {
        throw new IOException("cannot generate the benchmark repository", e);
      }
      Files.move(scratch, root, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteRecursively(scratch);
    }
  }

  private static Repository open(Path root) throws IOException {
    return new FileRepositoryBuilder()
        .setGitDir(root.resolve(NAME).toFile())
        .setMustExist(true)
        .build();
  }

  private static long packBytes(Path root) throws IOException {
    Path packs = root.resolve(NAME).resolve("objects").resolve("pack");
    try (Stream<Path> files = Files.list(packs)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".pack"))
          .mapToLong(BenchRepository::size)
          .sum();
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code dir} and everything below it; a missing directory is fine. */
  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
