package dev.jgitpomerium.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One project under {@code examples/}, copied to a scratch folder as a user would copy it, and built or run there with
 * the real {@code mvn} from the PATH. The copy never sees this reactor: it takes jgit-pomerium from the local
 * repository, at the version {@code -Djgit-pomerium.version} names.
 */
final class ExampleProject {
  private static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(6);

  private final String name;
  private final Path source;
  private final Path directory;

  private ExampleProject(String name, Path source, Path directory) {
    this.name = name;
    this.source = source;
    this.directory = directory;
  }

  /** A fresh copy of {@code examples/<name>} (without any {@code target/} left in the source tree). */
  static ExampleProject copy(String name) throws IOException {
    Path source = Path.of(requiredProperty("examples.dir"), name).toAbsolutePath().normalize();
    if (!Files.isRegularFile(source.resolve("pom.xml"))) {
      throw new IllegalStateException("no example project at " + source);
    }
    Path work = Files.createDirectories(Path.of(requiredProperty("examples.work")));
    Path target = Files.createTempDirectory(work, name + "-");
    copyTree(source, target);
    return new ExampleProject(name, source, target);
  }

  /**
   * Makes the copy what it was when first copied, at the same path, deleting all that runs added (their logs too):
   * for a second run that must see exactly the first one's files.
   */
  void reset() throws IOException {
    deleteTree(directory);
    copyTree(source, directory);
  }

  Path directory() {
    return directory;
  }

  /** The version of jgit-pomerium this build made, which the examples are built against. */
  static String jgitPomeriumVersion() {
    return requiredProperty("jgit-pomerium.version");
  }

  /**
   * The Java agent jar users put in {@code MAVEN_OPTS} (system property {@code jgit-pomerium-agent.jar}), which this
   * reactor must have built.
   */
  static Path agentJar() {
    Path jar = Path.of(requiredProperty("jgit-pomerium-agent.jar")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no Java agent jar at " + jar + ": build it first (mvn install from the top)");
    }
    return jar;
  }

  /**
   * This build's local repository, for example builds whose {@code user.home} is a scratch folder: {@code
   * -Dmaven.repo.local} keeps them on the artifacts this build installed and Maven Central's already downloaded.
   */
  static Path localRepository() {
    return Path.of(requiredProperty("examples.localRepository"));
  }

  /**
   * Runs {@code mvn -B -ntp -Djgit-pomerium.version=... ARGS} in the copy with the given extra environment (a value of
   * {@code null} removes the variable) and waits at most {@link #MAVEN_TIMEOUT}. The combined output is also kept in
   * {@code <copy>/run-<n>.log} for a failing test's report.
   */
  MavenRun mvn(Map<String, String> environment, String... arguments) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of("mvn", "-B", "-ntp", "-Djgit-pomerium.version=" + jgitPomeriumVersion()));
    command.addAll(List.of(arguments));
    return run(command, environment, MAVEN_TIMEOUT);
  }

  /** Runs any command in the copy, as {@link #mvn} does. */
  MavenRun run(List<String> command, Map<String, String> environment, Duration timeout)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    // The JVM running the tests may carry options meant for it alone (surefire's, a debugger's).
    builder.environment().remove("MAVEN_OPTS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    environment.forEach((key, value) -> {
      if (value == null) {
        builder.environment().remove(key);
      } else {
        builder.environment().put(key, value);
      }
    });
    Path log;
    try (var files = Files.list(directory)) {
      long runs = files.filter(f -> f.getFileName().toString().startsWith("run-")).count();
      log = directory.resolve("run-" + (runs + 1) + ".log");
    }
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    process.getOutputStream().close();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
      throw new AssertionError(String.join(" ", command) + " in " + directory + " did not finish within " + timeout
          + "; its output so far:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    return new MavenRun(String.join(" ", command), process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  /** The environment a test adds, in a readable literal. */
  static Map<String, String> environment(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  /** A finished command: its exit status and everything it printed. */
  record MavenRun(String command, int exitStatus, String output) {
    /** Fails the test with the whole output unless the command succeeded. */
    MavenRun assertSucceeded() {
      if (exitStatus != 0) {
        throw new AssertionError(command + " failed (exit " + exitStatus + "):\n" + output);
      }
      return this;
    }

    List<String> lines() {
      return output.lines().toList();
    }
  }

  @Override
  public String toString() {
    return "example " + name + " at " + directory;
  }

  private static String requiredProperty(String key) {
    String value = System.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property " + key + " is not set: run these tests through Maven (failsafe)");
    }
    return value;
  }

  /** Deletes {@code root} and everything under it, if it exists. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void copyTree(Path source, Path target) throws IOException {
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (dir.getFileName().toString().equals("target") && !dir.equals(source)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Files.createDirectories(target.resolve(source.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        try {
          Files.copy(file, target.resolve(source.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
