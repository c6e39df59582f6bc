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

  /** Sets the builder's files; warns on {@code err}, as ssh does, of an identity file that is not there. */
  void applyTo(PomeriumSshSessionFactory.Builder builder, PrintStream err) {
    for (Path identity : identities) {
      // ssh's warning for -i (ssh.c); the login goes on with the other keys, and fails as usual if none is taken.
      if (!Files.exists(identity)) {
        err.println("Warning: Identity file " + identity + " not accessible: No such file or directory.");
      }
    }
    if (!identities.isEmpty()) {
      builder.identityFiles(identities);
    }
    if (!knownHosts.isEmpty()) {
      builder.knownHostsFiles(knownHosts);
    }
  }
}
