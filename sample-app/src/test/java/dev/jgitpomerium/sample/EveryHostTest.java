package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshServer;
import dev.jgitpomerium.transport.PomeriumEndpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JGit commands work for every host, as OpenSSH and the library do, end to end through {@link Main#run} against
 * Debian's sshd: a plain server directly, a host behind a {@code socat} ProxyCommand, and a host behind Pomerium (the
 * testkit gateway routing to that sshd); and {@code -v} says on standard error which way each connection went. The
 * real {@code git} with OpenSSH, given the same ~/.ssh, is the control that must work too.
 */
class EveryHostTest extends CliTestbedTest {
  private static final String REPOSITORY = "project.git";

  private OpenSshServer server;
  private ChildProcesses processes;

  @BeforeEach
  void startOpenSsh() throws Exception {
    server = OpenSshServer.start(REPOSITORY);
    processes = new ChildProcesses(dir.resolve("process-output"), dir.resolve("openssh-home"));
  }

  @AfterEach
  void stopOpenSsh() throws Exception {
    try {
      processes.close();
    } finally {
      server.close();
    }
  }

  @Test
  void aPlainServerIsClonedFetchedPushedAndListedDirectlyAndVerboseSaysSo() throws Exception {
    String address = "127.0.0.1:" + server.port();
    writeKnownHosts(server.knownHostsLine("[127.0.0.1]:" + server.port()));
    String uri = "ssh://" + OpenSshServer.USER + "@" + address + server.repoPath(REPOSITORY);
    String key = server.clientKey().toString();
    Path target = testbed.path("clone");

    assertEquals(0, testbed.run("-v", "clone", "-i", key, uri, target.toString()), testbed.err());
    assertEquals(List.of("jgit-pomerium: " + address + " directly"), wayLines());
    assertEquals(server.revParse(REPOSITORY, "main"), head(target));

    RevCommit commit = commit(target, "directly.txt");
    assertEquals(0, testbed.run("-v", "push", "--repo", target.toString(), "-i", key), testbed.err());
    assertEquals(List.of("jgit-pomerium: " + address + " directly"), wayLines());
    assertEquals(commit.name(), server.revParse(REPOSITORY, "main"), "checked by git on the server's repository");

    assertEquals(0, testbed.run("-v", "fetch", "--repo", target.toString(), "-i", key), testbed.err());
    assertEquals(List.of("jgit-pomerium: " + address + " directly"), wayLines());

    assertEquals(0, testbed.run("ls-remote", "-i", key, uri), testbed.err());
    assertTrue(testbed.out().contains(commit.name() + "\trefs/heads/main"), testbed.out());
    assertEquals(List.of(), wayLines(), "without -v nothing is said about the way");

    assertEquals(0, testbed.gateway.requestCount(), "nothing went to Pomerium");
    assertOpenSshClones(uri, List.of("-i", key));
  }

  @Test
  void aHostBehindASocatProxyCommandIsClonedAndPushedThroughItAndVerboseSaysSo() throws Exception {
    String host = "git.internal.example.com";
    String proxyCommand = "socat - TCP:127.0.0.1:" + server.port();
    testbed.writeSshConfig("Host " + host + "\n  User " + OpenSshServer.USER + "\n  IdentityFile "
        + server.clientKey() + "\n  ProxyCommand " + proxyCommand + "\n");
    writeKnownHosts(server.knownHostsLine(host));
    String uri = host + ":" + server.repoPath(REPOSITORY);
    Path target = testbed.path("clone");

    assertEquals(0, testbed.run("-v", "clone", uri, target.toString()), testbed.err());
    assertEquals(List.of("jgit-pomerium: " + host + ":22 via ProxyCommand 'socat ...'"), wayLines());
    assertEquals(server.revParse(REPOSITORY, "main"), head(target));

    RevCommit commit = commit(target, "through-socat.txt");
    assertEquals(0, testbed.run("-v", "push", "--repo", target.toString()), testbed.err());
    assertEquals(List.of("jgit-pomerium: " + host + ":22 via ProxyCommand 'socat ...'"), wayLines());
    assertEquals(commit.name(), server.revParse(REPOSITORY, "main"));
    assertEquals(0, testbed.gateway.requestCount(), "not Pomerium: the ProxyCommand reached the server");

    assertOpenSshClones(uri, List.of("-F", testbed.sshDirectory.resolve("config").toString()));
    // Stock JGit 7.8.1 with the same ~/.ssh ignores the ProxyCommand and connects to the name itself, which only the
    // ProxyCommand's side knows.
    try (SshdSessionFactory stock = new SshdSessionFactory()) {
      stock.setHomeDirectory(testbed.home.toFile());
      stock.setSshDirectory(testbed.sshDirectory.toFile());
      TransportException e = assertThrows(TransportException.class, () -> Git.cloneRepository().setURI(uri)
          .setDirectory(testbed.path("stock").toFile())
          .setTransportConfigCallback(t -> ((org.eclipse.jgit.transport.SshTransport) t).setSshSessionFactory(stock))
          .call().close());
      assertTrue(e.getMessage().contains("pomerium-git@git.internal.example.com/<unresolved>:22"), e.getMessage());
    }
  }

  @Test
  void aHostBehindPomeriumIsClonedThroughTheTunnelAndVerboseSaysWhereTheRouteCameFrom() throws Exception {
    String host = "openssh.corp.example.com";
    testbed.gateway.route(host + ":22", server.address());
    testbed.writeSshConfig("Host " + host + "\n  User " + OpenSshServer.USER + "\n  IdentityFile "
        + server.clientKey() + "\n  " + testbed.proxyCommand() + "\n");
    writeKnownHosts(server.knownHostsLine(host));
    String uri = host + ":" + server.repoPath(REPOSITORY);
    String pomerium = "https://" + PomeriumEndpoint.parse(testbed.gateway.url()).authority();
    Path target = testbed.path("clone");

    assertEquals(0, testbed.run("-v", "clone", uri, target.toString()), testbed.err());
    assertEquals(List.of("jgit-pomerium: " + host + ":22 via Pomerium " + pomerium
        + " (route from ~/.ssh/config ProxyCommand)"), wayLines());
    assertEquals(server.revParse(REPOSITORY, "main"), head(target));
    assertEquals(host + ":22", testbed.gateway.requests().get(0).target());

    // The command line's flags win over the ssh config line, and -v says the route is theirs.
    assertEquals(0, testbed.run(testbed.withPomeriumFlags("-v", "ls-remote", uri)), testbed.err());
    assertEquals(List.of("jgit-pomerium: " + host + ":22 via Pomerium " + pomerium + " (configured route)"),
        wayLines());
    assertTrue(testbed.out().contains("\trefs/heads/main"), testbed.out());
    assertEquals(2, testbed.gateway.requestCount());
  }

  /** The {@code jgit-pomerium: host:port ...} lines that say which way a connection went, in the last run. */
  private List<String> wayLines() {
    return testbed.err().lines().filter(l -> l.startsWith("jgit-pomerium: ")
        && (l.endsWith(" directly") || l.contains(" via "))).toList();
  }

  private void writeKnownHosts(String line) throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), line + "\n", StandardCharsets.US_ASCII);
  }

  private static String head(Path repository) throws Exception {
    try (Git git = Git.open(repository.toFile())) {
      return git.getRepository().resolve("HEAD").name();
    }
  }

  private static RevCommit commit(Path repository, String file) throws Exception {
    try (Git git = Git.open(repository.toFile())) {
      Files.writeString(repository.resolve(file), file + "\n", StandardCharsets.UTF_8);
      git.add().addFilepattern(file).call();
      return git.commit().setMessage("add " + file).setSign(false).call();
    }
  }

  /** The control: Debian's git with OpenSSH, this known_hosts and {@code sshOptions}, clones {@code uri} too. */
  private void assertOpenSshClones(String uri, List<String> sshOptions) throws Exception {
    List<String> ssh = new ArrayList<>(List.of("ssh", "-o", "UserKnownHostsFile="
        + testbed.sshDirectory.resolve("known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"));
    ssh.addAll(sshOptions);
    Path clone = dir.resolve("openssh-clone");
    ChildProcesses.Result result = processes.run(dir, Map.of("GIT_SSH_COMMAND",
        ChildProcesses.shellCommand(ssh)), List.of("git", "clone", "-q", uri, clone.toString()));
    assertEquals(0, result.exitCode(), result::describe);
    assertFalse(result.stderr().contains("fatal"), result::describe);
  }
}
