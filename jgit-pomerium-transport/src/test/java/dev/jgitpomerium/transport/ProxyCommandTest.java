package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.TestRepositories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.Test;

/**
 * Any other ssh config ProxyCommand is run as OpenSSH runs it, and carries JGit's connection over its standard input
 * and output: JGit alone ignores every ProxyCommand. Uses Debian's socat (test.sh installs it).
 */
class ProxyCommandTest extends TestbedTest {

  private PomeriumSshSessionFactory factory() {
    return PomeriumSshSessionFactory.builder()
        .homeDirectory(testbed.home.toFile()).sshDirectory(testbed.sshDirectory.toFile()).build();
  }

  private void writeSshConfig(String... lines) throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("config"), String.join("\n", lines) + "\n");
  }

  @Test
  void aProxyCommandIsShownAsTheWayAConnectionGoesByItsProgramAloneEvenAPomeriumCliLineTheShellRuns() {
    String line = "pomerium-cli tcp \"--service-account\" \"svc-SECRET\" %h:%p 2>/dev/null";
    String shown = ConnectionPath.proxyCommand(line).toString();
    assertEquals("via ProxyCommand 'pomerium-cli ...'", shown);
    assertFalse(shown.contains("svc-SECRET"), shown);
  }

  @Test
  void aSocatProxyCommandCarriesACloneAndAPushAndEndsWithTheConnection() throws Exception {
    assertTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs Debian's socat; ./test.sh installs it");
    Path pids = dir.resolve("proxycommand.pids");
    writeSshConfig("Host git.corp.example.com",
        "  ProxyCommand sh -c 'echo $$ >> " + pids + "; exec socat - TCP:127.0.0.1:" + testbed.ssh.port() + "'");
    try (PomeriumSshSessionFactory pomerium = factory();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      Files.writeString(dir.resolve("clone/via-proxycommand.txt"), "pushed through socat\n");
      clone.add().addFilepattern("via-proxycommand.txt").call();
      RevCommit local = clone.commit().setMessage("through a ProxyCommand").setSign(false).call();
      clone.push().setTransportConfigCallback(pomerium).setRefSpecs(new RefSpec("main:main")).call();
      assertEquals(local.getId(), testbed.origin.resolve("refs/heads/main"));
    }
    assertEquals(0, testbed.gateway.requestCount(), "not Pomerium: the ProxyCommand reached the server");
    for (String pid : Files.readAllLines(pids)) {
      ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(p -> {
        p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join();
        assertFalse(p.isAlive(), "ProxyCommand process " + pid + " still runs after its connection closed");
      });
    }
    assertEquals(1, Files.readAllLines(pids).size(), "one ProxyCommand for the connection the clone and push share");
  }

  @Test
  void aProxyCommandThatFailsIsReportedWithItsStatusAndError() throws Exception {
    writeSshConfig("Host git.corp.example.com",
        "  ProxyCommand sh -c 'echo \"bastion: permission denied for %r\" >&2; exit 3'");
    try (PomeriumSshSessionFactory pomerium = factory()) {
      TransportException e = assertThrows(TransportException.class, () -> testbed.cloneThrough(pomerium, "clone"));
      assertTrue(e.getMessage().contains("ProxyCommand 'sh ...' (" + configLine(2) + ") for git.corp.example.com:22"
          + " exited with status 3 before the SSH server spoke"), e.getMessage());
      assertTrue(e.getMessage().contains("bastion: permission denied for git"), e.getMessage());
    }
    assertFalse(Files.exists(dir.resolve("clone/.git")));
  }

  @Test
  void aFailedProxyCommandsStandardErrorIsAPartOfTheFailureApartFromWhatFailed() throws Exception {
    writeSshConfig("Host git.corp.example.com",
        "  ProxyCommand sh -c 'echo \"bastion: no route\" >&2; echo \"bastion: giving up\" >&2; exit 3'");
    try (PomeriumSshSessionFactory pomerium = factory()) {
      TransportException e = assertThrows(TransportException.class, () -> testbed.cloneThrough(pomerium, "clone"));
      ProxyCommandException failure = ProxyCommandException.causeOf(e).orElseThrow();
      assertEquals(List.of("bastion: no route", "bastion: giving up"), failure.standardError());
      assertEquals("ProxyCommand 'sh ...' (" + configLine(2) + ") for git.corp.example.com:22 exited with status 3"
          + " before the SSH server spoke", failure.what());
      assertEquals(failure.what() + ": bastion: no route / bastion: giving up", failure.getMessage());
    }
  }

  @Test
  void aFailedProxyCommandIsNamedByItsProgramAloneSinceItsArgumentsMayHoldAPassword() throws Exception {
    String secret = "Pr0xyPassw0rd";
    writeSshConfig("Host git.corp.example.com",
        "  ProxyCommand " + dir.resolve("bin/proxytunnel") + " -p 127.0.0.1:3129 -P alice:" + secret + " -d %h:%p");
    try (PomeriumSshSessionFactory pomerium = factory()) {
      TransportException e = assertThrows(TransportException.class, () -> testbed.cloneThrough(pomerium, "clone"));
      ProxyCommandException failure = ProxyCommandException.causeOf(e).orElseThrow();
      assertEquals("ProxyCommand 'proxytunnel ...' (" + configLine(2) + ") for git.corp.example.com:22 exited with"
          + " status 127 before the SSH server spoke", failure.what());
      // What the shell says, as OpenSSH shows it: the program, not its arguments.
      assertTrue(failure.standardError().get(0).contains(dir.resolve("bin/proxytunnel") + ": "),
          failure.standardError().toString());
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertFalse(String.valueOf(t.getMessage()).contains(secret), t.toString());
      }
    }
  }

  /** Where the ProxyCommand on {@code line} of the test's ssh config is, as messages name it. */
  private String configLine(int line) {
    return testbed.sshDirectory.resolve("config") + " line " + line;
  }

  @Test
  void proxyCommandNoneConnectsDirectly() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), testbed.ssh.hostKeyLine("127.0.0.1") + "\n");
    writeSshConfig("Host direct", "  HostName 127.0.0.1", "  Port " + testbed.ssh.port(), "  ProxyCommand none");
    TestRepositories.commitFiles(testbed.origin, 1, 64, 9);
    try (PomeriumSshSessionFactory pomerium = factory();
        Git clone = Git.cloneRepository().setURI("ssh://git@direct/" + Testbed.REPOSITORY)
            .setDirectory(dir.resolve("clone").toFile()).setTransportConfigCallback(pomerium).call()) {
      assertEquals(testbed.origin.resolve("refs/heads/main"), clone.getRepository().resolve("HEAD"));
    }
  }
}
