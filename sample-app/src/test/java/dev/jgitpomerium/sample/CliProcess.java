package dev.jgitpomerium.sample;

import dev.jgitpomerium.testkit.ChildProcesses;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line as a separate process, for tests where OpenSSH or git runs it (a ProxyCommand, GIT_SSH_COMMAND). */
final class CliProcess {
  private CliProcess() {}

  /** {@code java -cp <this test run's class path> dev.jgitpomerium.sample.Main args...}. */
  static List<String> jgitPomerium(String... args) {
    return jgitPomerium(null, args);
  }

  /** As {@link #jgitPomerium(String...)}, with {@code home} as the JVM's user.home (JGit's ~), if not null. */
  static List<String> jgitPomerium(Path home, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (home != null) {
      command.add("-Duser.home=" + home);
    }
    command.add("-cp");
    command.add(ChildProcesses.testClassPath());
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return command;
  }
}
