package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.RecordedConnect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ~/.ssh/config read as OpenSSH reads it, end to end: a host alias whose {@code HostName} (and {@code Port}) is the
 * host behind Pomerium, and {@code Include} scoped like OpenSSH's (the including block's state is restored after the
 * included file, and a file included from a block that does not match cannot match either).
 */
class SshConfigRoutingTest extends CliTestbedTest {
  private Path target;

  @BeforeEach
  void target() {
    target = testbed.path("clone");
  }

  @Test
  void hostAliasWithHostNameIsRoutedToTheRealHost() throws Exception {
    testbed.writeSshConfig("Host gitlab\n  HostName " + CliTestbed.HOST + "\n  User git\n  "
        + testbed.proxyCommand() + "\n");

    int status = testbed.run("clone", "gitlab:" + CliTestbed.REPOSITORY, target.toString());

    assertEquals(0, status, testbed.err());
    assertCloned();
  }

  @Test
  void hostAliasWithPomeriumFlagsRoutesTheHostNameJGitConnectsTo() throws Exception {
    testbed.writeSshConfig("Host gitlab\n  HostName " + CliTestbed.HOST + "\n");

    int status = testbed.run(testbed.withPomeriumFlags("clone", "git@gitlab:" + CliTestbed.REPOSITORY,
        target.toString()));

    assertEquals(0, status, testbed.err());
    assertCloned();
  }

  @Test
  void portFromSshConfigIsTheOneRouted() throws Exception {
    testbed.gateway.route(CliTestbed.HOST + ":2222", testbed.ssh.address());
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"),
        "[" + CliTestbed.HOST + "]:2222 " + PublicKeyEntry.toString(testbed.ssh.hostPublicKey()) + "\n");
    testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  Port 2222\n  " + testbed.proxyCommand() + "\n");

    int status = testbed.run("clone", CliTestbed.URI, target.toString());

    assertEquals(0, status, testbed.err());
    assertCloned();
    assertEquals(CliTestbed.HOST + ":2222", testbed.gateway.requests().get(0).target());
  }

  @Test
  void includeInsideAMatchingBlockDoesNotEndThatBlock() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("common.conf"), "Host github.com\n  User git\n");
    testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  Include common.conf\n  " + testbed.proxyCommand() + "\n");

    int status = testbed.run("clone", CliTestbed.URI, target.toString());

    assertEquals(0, status, testbed.err());
    assertCloned();
  }

  @Test
  void fileIncludedFromANonMatchingBlockDoesNotApplyEvenUnderHostStar() throws Exception {
    testbed.ssh.writeKnownHosts(testbed.sshDirectory.resolve("known_hosts"), "127.0.0.1");
    Files.writeString(testbed.sshDirectory.resolve("internal.conf"), "Host *\n  " + testbed.proxyCommand() + "\n");
    testbed.writeSshConfig("Host *.internal.example.com\n  Include internal.conf\n\n"
        + "Host " + CliTestbed.HOST + "\n  HostName 127.0.0.1\n  Port " + testbed.ssh.port() + "\n");

    int status = testbed.run("-v", "clone", CliTestbed.URI, target.toString());

    assertEquals(0, status, testbed.err());
    assertTrue(testbed.err().contains("jgit-pomerium: 127.0.0.1:" + testbed.ssh.port() + " directly"),
        testbed.err());
    assertEquals(0, testbed.gateway.requestCount(), "the included ProxyCommand did not apply");
  }

  @Test
  void aPomeriumCliProxyCommandInAMatchBlockRoutesTheClone() throws Exception {
    testbed.writeSshConfig("Match originalhost " + CliTestbed.HOST + "\n  " + testbed.proxyCommand() + "\n");

    int status = testbed.run("clone", CliTestbed.URI, target.toString());

    assertEquals(0, status, testbed.err());
    assertCloned();
  }

  @Test
  void aProblemInTheConfigFileExitsWithStatusOneNamingFileAndLine() throws Exception {
    testbed.writeSshConfig("Host *\n  User git\nMatch host " + CliTestbed.HOST + "\n  Port x\n");

    int status = testbed.run("clone", CliTestbed.URI, target.toString());

    assertEquals(1, status, "a config error is a failure, not a usage error (2): " + testbed.err());
    assertEquals("jgit-pomerium: ~/.ssh/config line 4: Bad port 'x'.", testbed.errorLine());
    assertEquals(0, testbed.gateway.requestCount());
  }

  private void assertCloned() throws Exception {
    try (Git clone = Git.open(target.toFile())) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    RecordedConnect connect = testbed.gateway.takeRequest(Duration.ZERO);
    assertTrue(connect != null && connect.target().startsWith(CliTestbed.HOST + ":"), String.valueOf(connect));
  }
}
