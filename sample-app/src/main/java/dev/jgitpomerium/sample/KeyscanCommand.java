package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.ScannedHostKeys;
import java.util.List;
import java.util.concurrent.Callable;
import org.eclipse.jgit.transport.URIish;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code keyscan host[:port]}: ssh-keyscan for a host it cannot reach. The host's keys are fetched as a git command
 * reaches the host (through Pomerium, its ProxyCommand, or directly) and printed on standard output in known_hosts
 * form, one per key type, as ssh-keyscan prints them; each key's SHA256 fingerprint goes to standard error, to check
 * with the server's administrator before appending the lines to ~/.ssh/known_hosts.
 */
@Command(name = "keyscan", mixinStandardHelpOptions = true,
    description = {"Print a host's SSH host keys in known_hosts form, fetched through Pomerium (like ssh-keyscan).",
        "Check the fingerprints (on standard error), then: ... keyscan HOST >> ~/.ssh/known_hosts"})
final class KeyscanCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;

  @Option(names = "-p", paramLabel = "PORT", description = "The SSH port (default: ssh config's, else 22)")
  int port;

  @Parameters(paramLabel = "HOST", description = "host, host:port or [host]:port, as in a git URL")
  String target;

  @Override
  public Integer call() throws Exception {
    String host = target;
    int p = port;
    if (host.startsWith("[") && host.contains("]")) {
      int close = host.indexOf(']');
      if (close + 1 < host.length() && host.charAt(close + 1) == ':') {
        p = parsePort(host.substring(close + 2));
      }
      host = host.substring(1, close);
    } else if (host.indexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':')) {
      p = parsePort(host.substring(host.indexOf(':') + 1));
      host = host.substring(0, host.indexOf(':'));
    }
    URIish uri = new URIish().setScheme("ssh").setHost(host).setPort(p > 0 ? p : -1).setPath("/");
    try (PomeriumSshSessionFactory factory = Factories.forUri(uri, pomerium, new SshOptions(), main)) {
      // Under the name ssh, git and this library look the keys up under (HostName, Port, HostKeyAlias), not as typed.
      ScannedHostKeys scanned = factory.scanHostKeys(host, p);
      List<String> lines = scanned.knownHostsLines();
      List<String> fingerprints = scanned.fingerprintLines();
      for (int i = 0; i < lines.size(); i++) {
        main.out().println(lines.get(i));
        main.err().println(fingerprints.get(i));
      }
      if (lines.isEmpty()) {
        throw new CliException(scanned.knownHostsName() + " offered no Ed25519, ECDSA or RSA host key");
      }
    }
    return 0;
  }

  private static int parsePort(String text) {
    try {
      int value = Integer.parseInt(text);
      if (value < 1 || value > 65535) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port: '" + text + "'", e);
    }
  }
}
