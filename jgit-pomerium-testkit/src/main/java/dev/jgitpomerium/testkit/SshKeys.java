package dev.jgitpomerium.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * User keys and certificates as people make them: with the real {@code ssh-keygen}, at its defaults except where a
 * test names the type or a passphrase because that is what it is about.
 */
public final class SshKeys {
  private final ChildProcesses processes;

  public SshKeys(ChildProcesses processes) {
    this.processes = processes;
  }

  /** {@code ssh-keygen -q -N "" -f file}: ssh-keygen's default type, no passphrase. The public half is file.pub. */
  public Path generate(Path file) throws IOException, InterruptedException {
    return generate(file, null, "");
  }

  /** {@code ssh-keygen -q [-t type] -N passphrase -f file}; {@code type} null for ssh-keygen's default. */
  public Path generate(Path file, String type, String passphrase) throws IOException, InterruptedException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q"));
    if (type != null) {
      command.addAll(List.of("-t", type));
    }
    command.addAll(List.of("-N", passphrase, "-C", "test-user@" + file.getFileName(), "-f", file.toString()));
    processes.check(null, command);
    return file;
  }

  /**
   * Signs {@code key}'s public half ({@code key.pub}) with the CA key {@code ca} as a user certificate: {@code
   * ssh-keygen -s ca -I identity -n principals -V validity key.pub}. ssh-keygen writes it beside the key, as {@code
   * key-cert.pub}, which is returned.
   *
   * @param validity ssh-keygen's {@code -V}, e.g. {@code +1h}, or {@code -2h:-1h} for one that has expired
   */
  public Path certify(Path ca, Path key, String identity, String principals, String validity)
      throws IOException, InterruptedException {
    processes.check(null, List.of("ssh-keygen", "-q", "-s", ca.toString(), "-I", identity, "-n", principals,
        "-V", validity, key + ".pub"));
    Path certificate = Path.of(key + "-cert.pub");
    if (!Files.isRegularFile(certificate)) {
      throw new IllegalStateException("ssh-keygen -s wrote no " + certificate);
    }
    return certificate;
  }

  /** The SHA256 fingerprint of a public key or certificate file, as {@code ssh-keygen -lf} prints it. */
  public String fingerprint(Path publicKey) throws IOException, InterruptedException {
    return processes.check(null, List.of("ssh-keygen", "-lf", publicKey.toString())).strip().split("\\s+")[1];
  }

  /** The first two fields of an OpenSSH public key file: type and base64 blob. */
  public static String publicKeyBlob(Path publicKey) throws IOException {
    String[] fields = Files.readString(publicKey, US_ASCII).strip().split("\\s+");
    return fields[0] + " " + fields[1];
  }
}
