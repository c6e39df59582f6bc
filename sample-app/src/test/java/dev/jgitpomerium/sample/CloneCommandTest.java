package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.RecordedConnect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;

/** {@code clone} end to end through the testkit gateway and SSH server, routed by flags or by ~/.ssh/config. */
class CloneCommandTest extends CliTestbedTest {
  @Test
  void cloneWithPomeriumFlagsChecksOutTheServersCommitAndPrintsNothingOnStdout() throws Exception {
    Path target = testbed.path("clone");

    int status = testbed.run(testbed.withPomeriumFlags("clone", CliTestbed.URI, target.toString()));

    assertEquals(0, status, testbed.err());
    assertEquals("", testbed.out(), "standard output is for program output only");
    assertTrue(testbed.err().contains("Cloning into '" + target + "'..."), testbed.err());
    assertTrue(testbed.err().contains("Cloned " + CliTestbed.URI + " at " + testbed.initialHead.abbreviate(7).name()),
        testbed.err());
    assertClonedInitialHead(target);

    List<RecordedConnect> connects = testbed.gateway.requests();
    assertEquals(1, connects.size(), connects::toString);
    RecordedConnect connect = connects.get(0);
    assertEquals("CONNECT git.corp.example.com:22 HTTP/1.1", connect.requestLine());
    // Not assertEquals: a failure message would put the token in the test report.
    assertTrue(("Pomerium " + CliTestbed.TOKEN).equals(connect.authorization()),
        "the CONNECT carries the service-account token from --service-account");
    assertTrue(testbed.gateway.awaitNoOpenConnections(Duration.ofSeconds(5)), "the command closed its tunnel");
  }

  @Test
  void cloneWithNoFlagsFollowsThePomeriumCliProxyCommandOfTheHostInSshConfig() throws Exception {
    testbed.writeSshConfig("Host github.com\n  User git\n\n"
        + "Host " + CliTestbed.HOST + "\n  User git\n  " + testbed.proxyCommand() + "\n");
    assertClonesWithoutFlags(CliTestbed.URI);
  }

  @Test
  void cloneWithNoFlagsFollowsAProxyCommandUnderAWildcardHostPattern() throws Exception {
    testbed.writeSshConfig("Host *.other.example.com\n  ProxyCommand none\n\n"
        + "Host *.corp.example.com !*.dmz.corp.example.com\n  " + testbed.proxyCommand() + "\n\n"
        + "Host *\n  ServerAliveInterval 60\n");
    assertClonesWithoutFlags(CliTestbed.URI);
  }

  @Test
  void cloneWithNoFlagsFollowsAProxyCommandInAFilePulledInByInclude() throws Exception {
    Path included = Files.createDirectories(testbed.sshDirectory.resolve("config.d"));
    Files.writeString(included.resolve("pomerium.conf"),
        "Host " + CliTestbed.HOST + "\n  " + testbed.proxyCommand() + "\n");
    testbed.writeSshConfig("Include config.d/*.conf\n\nHost *\n  IdentitiesOnly no\n");
    // The scp-like form too, as people paste it from a forge's "clone" button.
    assertClonesWithoutFlags("git@" + CliTestbed.HOST + ":" + CliTestbed.REPOSITORY);
  }

  private void assertClonesWithoutFlags(String uri) throws Exception {
    Path target = testbed.path("clone");

    int status = testbed.run("clone", uri, target.toString());

    assertEquals(0, status, testbed.err());
    assertEquals("", testbed.out());
    assertClonedInitialHead(target);
    RecordedConnect connect = testbed.gateway.takeRequest(Duration.ZERO);
    assertNotNull(connect, "the clone went through the gateway");
    assertEquals("git.corp.example.com:22", connect.target());
    assertTrue(("Pomerium " + CliTestbed.TOKEN).equals(connect.authorization()),
        "the CONNECT carries the token from the ProxyCommand's --service-account-file");
  }

  private void assertClonedInitialHead(Path target) throws Exception {
    try (Git clone = Git.open(target.toFile())) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      assertEquals(testbed.initialHead, clone.getRepository().resolve("refs/remotes/origin/main"));
      assertTrue(clone.status().call().isClean(), "the work tree is checked out");
    }
  }
}
