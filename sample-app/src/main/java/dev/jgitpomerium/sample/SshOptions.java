package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
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

  void applyTo(PomeriumSshSessionFactory.Builder builder) {
    if (!identities.isEmpty()) {
      builder.identityFiles(identities);
    }
    if (!knownHosts.isEmpty()) {
      builder.knownHostsFiles(knownHosts);
    }
  }
}
