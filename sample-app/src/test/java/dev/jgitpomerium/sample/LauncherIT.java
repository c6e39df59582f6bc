package dev.jgitpomerium.sample;

import static dev.jgitpomerium.testkit.ChildProcesses.shellCommand;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code jgit-pomerium} launcher beside the shaded jar, as the README's ProxyCommand recipe uses it, after
 * {@code package} (maven-failsafe): Debian's git and OpenSSH reach a real sshd behind the testkit's gateway through it;
 * its first run records a class-data archive in a private cache and the next runs map it; an archive cut short,
 * damaged or older than the jar never stops a connection; a cache directory that others could write, or that is not
 * the user's, is not used; standard output carries only the SSH stream.
 */
class LauncherIT {
  private static final Path JAR = Path.of(System.getProperty("jgit-pomerium.jar", "target/jgit-pomerium.jar"))
      .toAbsolutePath();
  private static final Path LAUNCHER = JAR.resolveSibling("jgit-pomerium");
  private static final String HOST = "git.corp.example.com";
  private static final String DESTINATION = HOST + ":22";
  private static final String REPOSITORY = "project.git";
  private static final Duration ARCHIVE_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path work;

  private final String token = "launcher-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;
  private OpenSshServer server;
  private ChildProcesses processes;
  private Path knownHosts;
  private Path cacheHome;
  private Path cds;
  private final Map<String, String> extraEnvironment = new HashMap<>();

  @BeforeEach
  void start() throws Exception {
    assertTrue(Files.isRegularFile(JAR), () -> JAR + " is missing: this test runs after mvn package");
    assertTrue(Files.isExecutable(LAUNCHER), () -> LAUNCHER + " is missing or not executable: package copies it");
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
    server = environment.server();
    processes = environment.processes();
    knownHosts = work.resolve("known_hosts");
    Files.writeString(knownHosts, server.knownHostsLine(HOST) + "\n", UTF_8);
    cacheHome = work.resolve("cache");
    cds = cacheHome.resolve("jgit-pomerium/cds");
    extraEnvironment.put("XDG_CACHE_HOME", cacheHome.toString());
  }

  @AfterEach
  void stop() throws Exception {
    if (environment != null) {
      environment.close();
    }
  }

  @Test
  void theFirstGitCommandRecordsAPrivateArchiveAndTheNextMapsItsClasses() throws Exception {
    environment.startGateway(token, DESTINATION);

    assertListsMain(lsRemote());
    Path archive = awaitArchive();

    assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(cds));
    assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(cds.getParent()));
    assertEquals(Files.getOwner(work), Files.getOwner(archive));
    Set<PosixFilePermission> archiveMode = Files.getPosixFilePermissions(archive);
    assertFalse(archiveMode.contains(PosixFilePermission.GROUP_WRITE)
        || archiveMode.contains(PosixFilePermission.OTHERS_WRITE), archiveMode::toString);

    Path classLog = work.resolve("classes.log");
    extraEnvironment.put("JGIT_POMERIUM_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
    assertListsMain(lsRemote());

    String loaded = Files.readString(classLog, UTF_8);
    assertTrue(loaded.lines().anyMatch(l -> l.contains("dev.jgitpomerium.sample.TcpCommand source: shared objects")),
        "the second run did not map the command line's classes from the archive:\n" + firstLines(loaded));
    assertEquals(List.of(archive), archives(), "the second run made another archive");
  }

  @Test
  void aTunnelThroughTheLauncherWritesNothingButTheSshStreamToStandardOutput() throws Exception {
    environment.startGateway(token, DESTINATION);

    // The first run (which writes the archive when it ends), then one that maps it; standard input at its end at once.
    for (String run : List.of("first", "second")) {
      ChildProcesses.Result result = processes.run(work, extraEnvironment, launcher(DESTINATION));

      assertEquals(0, result.exitCode(), result::describe);
      assertTrue(result.stdout().isEmpty() || result.stdout().startsWith("SSH-2.0-"),
          () -> "the " + run + " run's standard output must carry only the tunnel's bytes:\n" + result.describe());
      assertEquals("", result.stderr(), () -> "the " + run + " run said something:\n" + result.describe());
      List<Path> archives = archives();
      assertEquals(1, archives.size(), () -> "after the " + run + " run: " + archives);
    }
  }

  @Test
  void anArchiveCutShortIsRemovedAndMadeAgainWithoutFailingTheConnection() throws Exception {
    environment.startGateway(token, DESTINATION);
    assertEquals(0, processes.run(work, extraEnvironment, launcher(DESTINATION)).exitCode());
    Path archive = awaitArchive();
    long size = Files.size(archive);
    // The JVM crashes (SIGBUS) mapping an archive shorter than its header says: as a full disk would leave one.
    try (RandomAccessFile file = new RandomAccessFile(archive.toFile(), "rw")) {
      file.setLength(size / 2);
    }

    assertListsMain(lsRemote());

    Path again = awaitArchive();
    assertNotEquals(size / 2, Files.size(again), "the archive cut short is still there");
    assertEquals(archive.getFileName().toString().replaceFirst("-[0-9]+\\.jsa$", ""),
        again.getFileName().toString().replaceFirst("-[0-9]+\\.jsa$", ""),
        "the same jar and JVM make an archive under the same key");
  }

  @Test
  void aDamagedArchiveOrOneOlderThanTheJarStillConnects() throws Exception {
    environment.startGateway(token, DESTINATION);
    assertEquals(0, processes.run(work, extraEnvironment, launcher(DESTINATION)).exitCode());
    Path archive = awaitArchive();
    try (RandomAccessFile file = new RandomAccessFile(archive.toFile(), "rw")) {
      file.seek(file.length() / 2);
      file.write(new byte[4096]);
    }

    ChildProcesses.Result damaged = lsRemote();

    assertListsMain(damaged);
    assertEquals("", damaged.stderr(), damaged::describe);

    // A jar replaced in place (same content, newer time): the JVM would refuse the archive; the launcher makes another.
    Files.setLastModifiedTime(archive,
        FileTime.from(Files.getLastModifiedTime(JAR).toInstant().minus(Duration.ofHours(1))));
    ChildProcesses.Result older = lsRemote();

    assertListsMain(older);
    assertEquals("", older.stderr(), older::describe);
    Path again = awaitArchive();
    assertTrue(Files.getLastModifiedTime(again).compareTo(Files.getLastModifiedTime(JAR)) > 0,
        "no new archive after one older than the jar");
  }

  @Test
  void aCacheDirectoryOthersCanWriteOrOfAnotherUserIsNotUsedAndTheConnectionGoesOn() throws Exception {
    environment.startGateway(token, DESTINATION);
    Files.createDirectories(cds, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
    Files.setPosixFilePermissions(cds, PosixFilePermissions.fromString("rwxrwxrwx"));

    ChildProcesses.Result open = lsRemote();

    assertListsMain(open);
    assertTrue(open.stderr().contains("jgit-pomerium: not using the class-data cache " + cds), open::describe);
    assertEquals(List.of(), archives());

    Files.setPosixFilePermissions(cds, PosixFilePermissions.fromString("rwx------"));
    UserPrincipal nobody = cds.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Files.setOwner(cds, nobody);

    ChildProcesses.Result foreign = lsRemote();

    assertListsMain(foreign);
    assertTrue(foreign.stderr().contains("jgit-pomerium: not using the class-data cache " + cds), foreign::describe);
    assertEquals(List.of(), archives());
  }

  @Test
  void aRelativeXdgCacheHomeIsIgnoredAsTheSpecificationSaysAndNothingLandsInTheWorkingDirectory() throws Exception {
    environment.startGateway(token, DESTINATION);
    extraEnvironment.put("XDG_CACHE_HOME", "relative-cache");

    ChildProcesses.Result result = lsRemote();

    assertListsMain(result);
    assertFalse(Files.exists(work.resolve("relative-cache")), result::describe);
    assertFalse(result.stderr().contains("not using the class-data cache"), result::describe);
  }

  @Test
  void aFailureReachesSshsStandardErrorWithTheMessageOfJavaJar() throws Exception {
    environment.startGateway("another-token-" + UUID.randomUUID(), DESTINATION);

    ChildProcesses.Result result = lsRemote();

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("jgit-pomerium:"), result::describe);
    assertTrue(result.stderr().contains("HTTP 401") || result.stderr().contains("requires sign-in"),
        result::describe);
    assertFalse(result.stderr().contains(token), "the token appeared on standard error");
    assertEquals("", result.stdout(), result::describe);
  }

  @Test
  void withTheArchiveTurnedOffNothingIsCached() throws Exception {
    environment.startGateway(token, DESTINATION);
    extraEnvironment.put("JGIT_POMERIUM_CDS", "off");

    assertListsMain(lsRemote());

    assertFalse(Files.exists(cacheHome.resolve("jgit-pomerium")), "a cache was made with JGIT_POMERIUM_CDS=off");
  }

  /** The launcher's {@code tcp --listen -} line, as in the README. */
  private List<String> launcher(String destination) {
    return List.of(LAUNCHER.toString(), "tcp", "--listen", "-", "--pomerium-url", environment.gatewayUrl(),
        "--alternate-ca-path", environment.caFile().toString(),
        "--service-account-file", environment.tokenFile().toString(), destination);
  }

  private ChildProcesses.Result lsRemote() throws Exception {
    String proxyCommand = shellCommand(launcher("DESTINATION")).replace("%", "%%")
        .replace(ChildProcesses.shellQuote("DESTINATION"), "%h:%p");
    String ssh = shellCommand(List.of("ssh", "-F", "/dev/null",
        "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-i", server.clientKey().toString(),
        "-o", "BatchMode=yes", "-o", "ProxyCommand=" + proxyCommand));
    Map<String, String> env = new HashMap<>(extraEnvironment);
    env.put("GIT_SSH_COMMAND", ssh);
    List<String> command = new ArrayList<>(List.of("git", "ls-remote",
        OpenSshServer.USER + "@" + HOST + ":" + server.repoPath(REPOSITORY)));
    return processes.run(work, env, command);
  }

  private void assertListsMain(ChildProcesses.Result result) throws Exception {
    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- sshd ---\n" + server.log());
    String main = server.revParse(REPOSITORY, "main");
    assertEquals(List.of(main + "\tHEAD", main + "\trefs/heads/main"), result.stdout().lines().toList(),
        result::describe);
  }

  private List<Path> archives() throws IOException {
    if (!Files.isDirectory(cds)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cds)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList();
    }
  }

  /**
   * The one complete archive, once there: a ProxyCommand's first run writes it after the connection ends, when ssh
   * (and git) may already be gone.
   */
  private Path awaitArchive() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + ARCHIVE_TIMEOUT.toNanos();
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      cds.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      while (true) {
        List<Path> found = archives();
        if (found.size() == 1 && noPartialArchive() && complete(found.get(0))) {
          return found.get(0);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no complete class-data archive in " + cds + " after " + ARCHIVE_TIMEOUT
              + ": " + found);
        }
        var key = watch.poll(left, TimeUnit.NANOSECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }

  private boolean noPartialArchive() throws IOException {
    try (Stream<Path> files = Files.list(cds)) {
      return files.noneMatch(p -> p.getFileName().toString().endsWith(".partial"));
    }
  }

  /** The launcher names an archive KEY-SIZE.jsa; the size is what a complete one has. */
  private static boolean complete(Path archive) throws IOException {
    String name = archive.getFileName().toString();
    String size = name.substring(name.lastIndexOf('-') + 1, name.length() - ".jsa".length());
    return Files.size(archive) == Long.parseLong(size);
  }

  private static String firstLines(String text) {
    return text.lines().limit(20).reduce("", (a, b) -> a + b + "\n");
  }
}
