package dev.jgitpomerium.sample;

import java.lang.instrument.Instrumentation;

/**
 * {@code -javaagent:jgit-pomerium.jar}, as earlier versions had it: this jar is the command line, whose classes the JVM
 * would put on the host's class path. Says where the agent is and leaves the program alone, rather than stopping the
 * JVM with a missing {@code Premain-Class}.
 */
public final class NotAnAgent {
  private NotAnAgent() {}

  public static void premain(String arguments, Instrumentation instrumentation) {
    System.err.println(
        "jgit-pomerium: jgit-pomerium.jar is the command line, not a Java agent; the program runs without"
        + " jgit-pomerium. Use -javaagent:jgit-pomerium-agent.jar (README, \"Build tools\").");
  }
}
