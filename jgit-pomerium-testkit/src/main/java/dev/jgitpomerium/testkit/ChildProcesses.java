package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Runs the external programs of the real-OpenSSH tests (git, ssh-keygen, chown, and this program's {@code Main} in
 * its own JVM), each with a time limit, and kills whatever is still running at {@link #close()}.
 *
 * <p>Children get no standard input unless a test asks for a pipe, and an environment without the caller's
 * jgit-pomerium, git, ssh-agent and forward-proxy ({@code HTTPS_PROXY}, {@code NO_PROXY}...) settings, so that
 * neither root's configuration nor the developer's leaks in.
 */
public final class ChildProcesses implements AutoCloseable {
  public static final long TIMEOUT_SECONDS = 60;
  private static final File NO_INPUT = new File("/dev/null");
  /** The machine's forward-proxy settings, in either case: a test that wants a proxy gives its own. */
  private static final List<String> PROXY_VARIABLES = List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy");

  private final Path outputDirectory;
  private final Map<String, String> environment;
  private final List<Process> started = new CopyOnWriteArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();

  /**
   * @param outputDirectory where children's standard output and error are kept
   * @param home the children's HOME (and cache), so that no one's ~/.ssh, ~/.gitconfig or token cache is used
   */
  public ChildProcesses(Path outputDirectory, Path home) throws IOException {
    this.outputDirectory = Files.createDirectories(outputDirectory);
    Files.createDirectories(home);
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.keySet().removeIf(k -> k.startsWith("JGIT_POMERIUM_") || k.startsWith("GIT_") || k.startsWith("SSH_")
        || PROXY_VARIABLES.contains(k.toLowerCase(java.util.Locale.ROOT)));
    env.put("HOME", home.toString());
    env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_AUTHOR_NAME", "OpenSSH Test");
    env.put("GIT_AUTHOR_EMAIL", "openssh-test@example.com");
    env.put("GIT_COMMITTER_NAME", "OpenSSH Test");
    env.put("GIT_COMMITTER_EMAIL", "openssh-test@example.com");
    // A sign-in never waits for a person, and a token is never cached on disk.
    env.put("JGIT_POMERIUM_INTERACTIVE", "false");
    env.put("JGIT_POMERIUM_TOKEN_CACHE", "memory");
    this.environment = Map.copyOf(env);
  }

  /** What a finished program did. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    /** For assertion messages. */
    public String describe() {
      return "`" + String.join(" ", command) + "` exited " + exitCode + "\n--- stdout ---\n" + stdout
          + "\n--- stderr ---\n" + stderr;
    }
  }

  /** Runs {@code command} in {@code directory} with no input and waits for it, at most 60 s. */
  public Result run(Path directory, Map<String, String> extraEnvironment, List<String> command)
      throws IOException, InterruptedException {
    int id = ids.incrementAndGet();
    Path out = outputDirectory.resolve(id + ".out");
    Path err = outputDirectory.resolve(id + ".err");
    ProcessBuilder builder = builder(directory, extraEnvironment, command)
        .redirectInput(ProcessBuilder.Redirect.from(NO_INPUT))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    Process process = start(builder);
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      kill(process);
      throw new AssertionError("`" + String.join(" ", command) + "` did not finish within " + TIMEOUT_SECONDS
          + " s\n--- stdout ---\n" + Files.readString(out, UTF_8) + "\n--- stderr ---\n"
          + Files.readString(err, UTF_8));
    }
    return new Result(command, process.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
  }

  public Result run(Path directory, List<String> command) throws IOException, InterruptedException {
    return run(directory, Map.of(), command);
  }

  /** Runs {@code command} and fails the test unless it exits 0. */
  public String check(Path directory, List<String> command) throws IOException, InterruptedException {
    Result result = run(directory, command);
    if (result.exitCode() != 0) {
      throw new AssertionError(result.describe());
    }
    return result.stdout();
  }

  /** A builder with the children's environment, for a process the test talks to itself; start it with start(). */
  public ProcessBuilder builder(Path directory, Map<String, String> extraEnvironment, List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    builder.environment().clear();
    builder.environment().putAll(environment);
    builder.environment().putAll(extraEnvironment);
    return builder;
  }

  /** Starts a process that close() will kill if it is still running. */
  public Process start(ProcessBuilder builder) throws IOException {
    Process process = builder.start();
    started.add(process);
    return process;
  }

  /** The environment children get, for tests that show it in a message. */
  public Map<String, String> environment() {
    return environment;
  }


  /**
   * The class path of this test run. Surefire starts tests from a manifest-only jar, so java.class.path is that jar;
   * the real class path (test classes, classes, dependencies) is in surefire.test.class.path.
   */
  public static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /** One word for /bin/sh: single-quoted, with single quotes inside escaped. */
  public static String shellQuote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /** A command line for /bin/sh, each word quoted. */
  public static String shellCommand(List<String> words) {
    return words.stream().map(ChildProcesses::shellQuote).collect(Collectors.joining(" "));
  }

  /** Kills {@code process} and everything it started, and waits for it. */
  public static void kill(Process process) throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Kills every process still running, and its children. */
  @Override
  public void close() throws InterruptedException {
    for (Process process : started) {
      if (process.isAlive()) {
        kill(process);
      }
    }
    started.clear();
  }
}
