package dev.jgitpomerium.testkit.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * File helpers for writing key material the way ssh and TLS clients expect to find it.
 *
 * <p>OpenSSH refuses private keys readable by others and an {@code ~/.ssh} open to others, so keys
 * are written 0600 and directories 0700 wherever the file system has POSIX permissions.
 */
public final class Files2 {
  private Files2() {}

  /** Creates the parent directory of {@code file} if it has one and it is missing. */
  public static void createParentDirectories(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  /** Creates {@code dir} (and parents) and restricts it to its owner. */
  public static void createPrivateDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    if (isPosix(dir)) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  /**
   * Writes {@code content} to {@code file}, replacing it, readable and writable by its owner only.
   */
  public static void writePrivate(Path file, byte[] content) throws IOException {
    createParentDirectories(file);
    if (isPosix(file.toAbsolutePath().getParent())) {
      // Create it private from the start: never a moment where the key is world-readable.
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.write(
        file,
        content,
        StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
  }

  private static boolean isPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
