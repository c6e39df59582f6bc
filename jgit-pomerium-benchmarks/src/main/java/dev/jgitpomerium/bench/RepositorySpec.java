package dev.jgitpomerium.bench;

import java.util.Locale;

/**
 * The shape of the generated repository: {@code commits} commits on {@code main}, each adding one
 * file of {@code bytesPerFile} random bytes from {@code seed}. Random content neither compresses
 * nor deltas, so the pack is about {@code commits * bytesPerFile} bytes.
 */
record RepositorySpec(int commits, int bytesPerFile, long seed) {
  /** The full run's repository: 2,000 commits and a pack just over 50 MiB. */
  static final RepositorySpec FULL = new RepositorySpec(2_000, 27_000, 1);

  /** The quick run's: 200 commits, about 5 MiB. */
  static final RepositorySpec QUICK = new RepositorySpec(200, 26_000, 1);

  RepositorySpec {
    if (commits < 1 || bytesPerFile < 1) {
      throw new IllegalArgumentException("commits and bytesPerFile must be positive");
    }
  }

  /**
   * The cache key: a directory name that changes with every parameter, and with the layout version
   * so that a change to how the repository is generated never reuses a stale one.
   */
  String cacheKey() {
    return String.format(Locale.ROOT, "repo-v1-c%d-b%d-s%d", commits, bytesPerFile, seed);
  }

  long contentBytes() {
    return (long) commits * bytesPerFile;
  }
}
