package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A user's home directory for a test, with the {@code ~/.ssh} people have: keys, known_hosts, config. */
public final class UserHome {
  private final Path home;
  private final Path ssh;

  public UserHome(Path home) throws IOException {
    this.home = Files.createDirectories(home);
    this.ssh = Files.createDirectories(home.resolve(".ssh"));
    Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
  }

  public Path home() {
    return home;
  }

  /** {@code ~/.ssh}. */
  public Path ssh() {
    return ssh;
  }

  /** {@code ~/.ssh/name}. */
  public Path ssh(String name) {
    return ssh.resolve(name);
  }

  /** Writes {@code ~/.ssh/known_hosts}. */
  public Path knownHosts(String lines) throws IOException {
    return Files.writeString(ssh.resolve("known_hosts"), lines.endsWith("\n") ? lines : lines + "\n", UTF_8);
  }

  /** Writes {@code ~/.ssh/config}. */
  public Path config(String... lines) throws IOException {
    return Files.writeString(ssh.resolve("config"), String.join("\n", lines) + "\n", UTF_8);
  }
}
