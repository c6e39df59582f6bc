package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.TokenStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pomerium-cli's JWT cache ({@code jwt/jwtcache.go}): one file per Pomerium endpoint, named by an HMAC of the cache
 * key so the directory does not list which hosts the user reaches, holding the raw token.
 */
public final class FileTokenStore implements TokenStore {
  private static final Logger log = LoggerFactory.getLogger(FileTokenStore.class);
  private static final byte[] NAME_KEY = "LocalJWTCache".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_TOKEN_BYTES = 64 * 1024;
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
  private static final long LOCK_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Path directory;

  public FileTokenStore(Path directory) {
    this.directory = directory.toAbsolutePath();
  }

  /** pomerium-cli's directory: its {@code os.UserCacheDir()} + {@code pomerium-cli/jwts}. */
  public static FileTokenStore pomeriumCli() {
    return new FileTokenStore(userCacheDirectory(System.getProperty("os.name", ""), System::getenv,
        System.getProperty("user.home")).resolve("pomerium-cli").resolve("jwts"));
  }

  /** Go's {@code os.UserCacheDir()}, which pomerium-cli uses. */
  static Path userCacheDirectory(String osName, java.util.function.UnaryOperator<String> env, String home) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.startsWith("windows")) {
      String local = env.apply("LocalAppData");
      if (local != null && !local.isEmpty()) {
        return Path.of(local);
      }
      return Path.of(home, "AppData", "Local");
    }
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return Path.of(home, "Library", "Caches");
    }
    String xdg = env.apply("XDG_CACHE_HOME");
    if (xdg != null && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg);
    }
    return Path.of(home, ".cache");
  }

  public Path directory() {
    return directory;
  }

  /** The cache key pomerium-cli uses for a TLS endpoint: {@code host:port|true}. */
  public static String cacheKey(PomeriumEndpoint endpoint) {
    return endpoint.authority() + "|true";
  }

  /** The file holding {@code endpoint}'s token. */
  public Path file(PomeriumEndpoint endpoint) {
    return directory.resolve(fileName(cacheKey(endpoint)));
  }

  /** The lock file that serialises sign-ins for {@code endpoint} across processes. */
  public Path lockFile(PomeriumEndpoint endpoint) {
    return directory.resolve(fileName(cacheKey(endpoint)) + ".lock");
  }

  /**
   * {@code base36(HMAC-SHA-512/256("LocalJWTCache", key)) + ".jwt"}, in martinlindhe/base36's form: upper case, the
   * bytes read as one big-endian number, plus a {@code 0} for each leading zero byte.
   */
  static String fileName(String cacheKey) {
    byte[] mac;
    try {
      Mac hmac = Mac.getInstance("HmacSHA512/256");
      hmac.init(new SecretKeySpec(NAME_KEY, "HmacSHA512/256"));
      mac = hmac.doFinal(cacheKey.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA512/256 is missing from this JVM", e);
    }
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < mac.length && mac[i] == 0; i++) {
      name.append('0');
    }
    return name.append(new BigInteger(1, mac).toString(36).toUpperCase(Locale.ROOT)).append(".jwt").toString();
  }

  @Override
  public PomeriumToken load(PomeriumEndpoint endpoint) {
    Path file = file(endpoint);
    byte[] content;
    try {
      if (Files.size(file) > MAX_TOKEN_BYTES) {
        log.debug("ignoring oversized token cache file {}", file);
        return null;
      }
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      log.debug("ignoring unreadable token cache file {}: {}", file, e.toString());
      return null;
    }
    String text = new String(content, StandardCharsets.US_ASCII).strip();
    if (text.isEmpty()) {
      return null;
    }
    PomeriumToken token;
    try {
      token = PomeriumToken.pomerium(text);
    } catch (IllegalArgumentException e) {
      log.debug("ignoring malformed token cache file {}", file);
      return null;
    }
    if (Jwts.isExpired(text)) {
      log.debug("ignoring expired token in {}", file);
      return null;
    }
    return token;
  }

  @Override
  public void store(PomeriumEndpoint endpoint, PomeriumToken token) throws IOException {
    ensureDirectory();
    Path target = file(endpoint);
    Path temporary = Files.createTempFile(directory, "." + target.getFileName(), ".tmp", fileMode());
    try {
      Files.write(temporary, token.value().getBytes(StandardCharsets.US_ASCII));
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
    log.debug("stored a token for {} in {}", endpoint, target);
  }

  @Override
  public void clear(PomeriumEndpoint endpoint) throws IOException {
    if (Files.deleteIfExists(file(endpoint))) {
      log.debug("removed the token for {} from {}", endpoint, directory);
    }
  }

  @Override
  public void clearAll() throws IOException {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.list(directory)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (file.getFileName().toString().endsWith(".jwt")) {
          Files.deleteIfExists(file);
        }
      }
    }
    log.debug("removed every token from {}", directory);
  }

  /** Locks {@link #lockFile} (after creating the directory), which other processes using the directory lock too. */
  @Override
  public <T> T locked(PomeriumEndpoint endpoint, Duration timeout, LockedWork<T> work) throws IOException {
    ensureDirectory();
    return exclusively(lockFile(endpoint), timeout, work);
  }

  /**
   * Runs {@code work} holding an exclusive lock on {@code lockFile}, waiting up to {@code timeout} for another process
   * to release it. The OS drops the lock when a process dies, so a crashed sign-in never blocks the next one.
   */
  private static <T> T exclusively(Path lockFile, Duration timeout, LockedWork<T> work) throws IOException {
    try (FileChannel channel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE,
        StandardOpenOption.WRITE), fileMode())) {
      long deadline = System.nanoTime() + timeout.toNanos();
      boolean logged = false;
      FileLock lock;
      while ((lock = tryLock(channel)) == null) {
        if (!logged) {
          log.info("another process is signing in to Pomerium; waiting for it ({})", lockFile);
          logged = true;
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("another process has held the sign-in lock " + lockFile + " for "
              + timeout.toSeconds() + " s");
        }
        // File locks have no notification; poll.
        LockSupport.parkNanos(LOCK_POLL_NANOS);
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for another process's sign-in");
        }
      }
      try (FileLock held = lock) {
        return work.run();
      }
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // held by this JVM through another channel; wait like for another process
    }
  }

  @Override
  public String location() {
    return directory.toString();
  }

  /** Creates the directory (0700 for every level we create) if needed. */
  public void ensureDirectory() throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    try {
      if (isPosix()) {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
      } else {
        Files.createDirectories(directory);
      }
    } catch (FileAlreadyExistsException e) {
      // Another process won the race; fine.
    }
  }

  /** The attribute that creates a file 0600 from the start, so a token is never readable by others. */
  public static FileAttribute<?>[] fileMode() {
    return isPosix() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)}
        : new FileAttribute<?>[0];
  }

  private static boolean isPosix() {
    return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Stores of one directory are equal: they share their tokens, and so their sign-ins. */
  @Override
  public boolean equals(Object other) {
    return other instanceof FileTokenStore files && files.directory.equals(directory);
  }

  @Override
  public int hashCode() {
    return directory.hashCode();
  }

  @Override
  public String toString() {
    return "TokenStore.directory(" + directory + ")";
  }
}
