package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** SSH's own settings for the git commands; by default everything comes from ~/.ssh as JGit reads it. */
final class SshOptions {
  @Option(names = {"-i", "--identity"}, paramLabel = "FILE",
      description = "Private key to use instead of ~/.ssh/id_* (repeatable)")
  List<Path> identities = new ArrayList<>();

  @Option(names = "--known-hosts", paramLabel = "FILE",
      description = "known_hosts file to use instead of ~/.ssh/known_hosts (repeatable)")
  List<Path> knownHosts = new ArrayList<>();

  /**
   * Sets the builder's files. An identity file that is not there is warned of on {@code err} and dropped, as ssh does
   * (ssh.c); with none left, the default keys are offered, as with no {@code -i}.
   */
  void applyTo(PomeriumSshSessionFactory.Builder builder, PrintStream err) {
    List<Path> present = new ArrayList<>();
    for (Path identity : identities) {
      if (Files.exists(identity)) {
        present.add(identity);
      } else {
        err.println("Warning: Identity file " + identity + " not accessible: No such file or directory.");
      }
    }
    if (!present.isEmpty()) {
      builder.identityFiles(present);
    }
    if (!knownHosts.isEmpty()) {
      builder.knownHostsFiles(knownHosts);
    }
  }
}
