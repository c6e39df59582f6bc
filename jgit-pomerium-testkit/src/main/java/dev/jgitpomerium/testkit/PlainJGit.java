package dev.jgitpomerium.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Runs {@link PlainJGitLsRemote}, a plain JGit program, in a child JVM whose home is a test's home directory: either
 * with this test run's class path (JGit plus jgit-pomerium, found by ServiceLoader), or as <em>stock JGit</em>, with
 * only JGit's own artifacts, taken from this test run's class path: org.eclipse.jgit, org.eclipse.jgit.ssh.apache,
 * sshd-osgi, sshd-sftp, slf4j (api and simple, so JGit's warnings show), commons-codec and JavaEWAH; no Bouncy Castle
 * and none of this project's classes. Tests measure what stock JGit does with a set-up the same way.
 */
public final class PlainJGit {
  /** File-name prefixes of the jars of stock JGit 7.8's Apache MINA transport and what it needs. */
  private static final List<String> STOCK_ARTIFACTS = List.of("org.eclipse.jgit-", "org.eclipse.jgit.ssh.apache-",
      "sshd-osgi-", "sshd-sftp-", "slf4j-api-", "slf4j-simple-", "commons-codec-", "JavaEWAH-");

  private PlainJGit() {}

  /**
   * The class path of stock JGit: JGit's artifacts from this test run's class path and a directory (created in {@code
   * scratch}) holding only {@link PlainJGitLsRemote}'s class file.
   */
  public static String stockClassPath(Path scratch) throws IOException {
    List<String> jars = new ArrayList<>();
    for (String entry : ChildProcesses.testClassPath().split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.endsWith(".jar") && STOCK_ARTIFACTS.stream().anyMatch(name::startsWith)) {
        jars.add(entry);
      }
    }
    for (String prefix : STOCK_ARTIFACTS) {
      if (jars.stream().noneMatch(j -> Path.of(j).getFileName().toString().startsWith(prefix))) {
        throw new IllegalStateException("stock JGit's " + prefix + "*.jar is not on this test's class path: " + jars);
      }
    }
    Path classes = scratch.resolve("plain-jgit-classes");
    String resource = PlainJGitLsRemote.class.getName().replace('.', '/') + ".class";
    Path target = classes.resolve(resource);
    Files.createDirectories(target.getParent());
    try (InputStream in = PlainJGit.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("cannot read " + resource);
      }
      Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    jars.add(classes.toString());
    return String.join(File.pathSeparator, jars);
  }

  /** This test run's whole class path: JGit with jgit-pomerium (and Bouncy Castle, which it brings). */
  public static String projectClassPath() {
    return ChildProcesses.testClassPath();
  }

  /**
   * Runs {@code ls-remote uri} in a child JVM with {@code classPath}, {@code home} as user.home and HOME, {@code
   * environment} added, and {@code systemProperties} ({@code -Dk=v}).
   */
  public static ChildProcesses.Result lsRemote(ChildProcesses processes, String classPath, Path home,
      Map<String, String> environment, Map<String, String> systemProperties, String uri)
      throws IOException, InterruptedException {
    return lsRemote(processes, classPath, home, environment, systemProperties, uri, List.of());
  }

  /**
   * Like {@link #lsRemote(ChildProcesses, String, Path, Map, Map, String)}, in a session of its own ({@code setsid
   * -w}): the program has no controlling terminal, as from cron, a daemon or a desktop launcher, whether or not the
   * test run has one.
   */
  public static ChildProcesses.Result lsRemoteWithoutTerminal(ChildProcesses processes, String classPath, Path home,
      Map<String, String> environment, Map<String, String> systemProperties, String uri)
      throws IOException, InterruptedException {
    return lsRemote(processes, classPath, home, environment, systemProperties, uri, List.of("setsid", "-w"));
  }

  /**
   * Like {@link #lsRemote(ChildProcesses, String, Path, Map, Map, String)}, with options for the JVM itself (e.g.
   * {@code -javaagent:...}) before everything else.
   */
  public static ChildProcesses.Result lsRemote(ChildProcesses processes, List<String> jvmOptions, String classPath,
      Path home, Map<String, String> environment, Map<String, String> systemProperties, String uri)
      throws IOException, InterruptedException {
    return lsRemote(processes, classPath, home, environment, systemProperties, uri, List.of(), jvmOptions);
  }

  private static ChildProcesses.Result lsRemote(ChildProcesses processes, String classPath, Path home,
      Map<String, String> environment, Map<String, String> systemProperties, String uri, List<String> launcher)
      throws IOException, InterruptedException {
    return lsRemote(processes, classPath, home, environment, systemProperties, uri, launcher, List.of());
  }

  private static ChildProcesses.Result lsRemote(ChildProcesses processes, String classPath, Path home,
      Map<String, String> environment, Map<String, String> systemProperties, String uri, List<String> launcher,
      List<String> jvmOptions) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-Duser.home=" + home);
    // slf4j-simple: JGit's and sshd's warnings on standard error, with the logger's name.
    command.add("-Dorg.slf4j.simpleLogger.logFile=System.err");
    command.add("-Dorg.slf4j.simpleLogger.showLogName=true");
    systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-cp");
    command.add(classPath);
    command.add(PlainJGitLsRemote.class.getName());
    command.add(uri);
    Map<String, String> env = new java.util.HashMap<>(environment);
    env.put("HOME", home.toString());
    return processes.run(home, env, command);
  }

  /** The class path entries of {@code classPath} as file names, for assertion messages. */
  public static String describe(String classPath) {
    return List.of(classPath.split(File.pathSeparator)).stream().map(e -> Path.of(e).getFileName().toString())
        .collect(Collectors.joining(", "));
  }
}
