package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.TestRepositories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code fetch}, {@code push} and {@code ls-remote} end to end through the testkit gateway and SSH server. */
class FetchPushLsRemoteCommandTest extends CliTestbedTest {
  private Path clone;

  @BeforeEach
  void cloneFirst() throws Exception {
    clone = testbed.path("clone");
    assertEquals(0, testbed.run(testbed.withPomeriumFlags("clone", CliTestbed.URI, clone.toString())), testbed.err());
  }

  @Test
  void fetchWithRemoteAndRefspecBringsTheServersNewCommitIntoTheRemoteTrackingBranch() throws Exception {
    ObjectId upstream = TestRepositories.commitFiles(testbed.origin, 1, 2048, 7);
    int connectsBefore = testbed.gateway.requestCount();

    int status = testbed.run(testbed.withPomeriumFlags("fetch", "--repo", clone.toString(), "origin",
        "+refs/heads/main:refs/remotes/origin/main"));

    assertEquals(0, status, testbed.err());
    assertEquals("", testbed.out());
    assertTrue(testbed.err().contains(" -> refs/remotes/origin/main " + upstream.abbreviate(7).name()),
        testbed.err());
    try (Git git = Git.open(clone.toFile())) {
      assertEquals(upstream, git.getRepository().resolve("refs/remotes/origin/main"));
      assertEquals(testbed.initialHead, git.getRepository().resolve("refs/heads/main"), "fetch leaves main alone");
    }
    assertEquals(connectsBefore + 1, testbed.gateway.requestCount(), "the fetch went through Pomerium");
  }

  @Test
  void pushOfANewLocalCommitUpdatesTheServersBranch() throws Exception {
    RevCommit commit;
    try (Git git = Git.open(clone.toFile())) {
      Files.writeString(clone.resolve("hello.txt"), "pushed through Pomerium by the command line\n");
      git.add().addFilepattern("hello.txt").call();
      PersonIdent me = new PersonIdent("CLI Test", "cli-test@example.invalid");
      commit = git.commit().setMessage("Hello").setAuthor(me).setCommitter(me).setSign(false).call();
    }
    assertNotEquals(commit.getId(), testbed.origin.resolve("refs/heads/main"));

    int status = testbed.run(testbed.withPomeriumFlags("push", "--repo", clone.toString(), "origin",
        "refs/heads/main:refs/heads/main"));

    assertEquals(0, status, testbed.err());
    assertEquals("", testbed.out());
    assertTrue(testbed.err().contains(" ok refs/heads/main"), testbed.err());
    assertEquals(commit.getId(), testbed.origin.resolve("refs/heads/main"));
  }

  @Test
  void pushWithNoRefspecPushesTheCurrentBranch() throws Exception {
    try (Git git = Git.open(clone.toFile())) {
      Files.writeString(clone.resolve("second.txt"), "second\n");
      git.add().addFilepattern("second.txt").call();
      PersonIdent me = new PersonIdent("CLI Test", "cli-test@example.invalid");
      RevCommit commit = git.commit().setMessage("Second").setAuthor(me).setCommitter(me).setSign(false).call();

      int status = testbed.run(testbed.withPomeriumFlags("push", "--repo", clone.toString()));

      assertEquals(0, status, testbed.err());
      assertEquals(commit.getId(), testbed.origin.resolve("refs/heads/main"));
    }
  }

  @Test
  void lsRemotePrintsExactlyOneShaTabRefLinePerRefOnStdout() throws Exception {
    int status = testbed.run(testbed.withPomeriumFlags("ls-remote", CliTestbed.URI));

    assertEquals(0, status, testbed.err());
    String head = testbed.initialHead.name();
    assertEquals(List.of(head + "\tHEAD", head + "\trefs/heads/main"), testbed.out().lines().toList());
    assertTrue(testbed.out().endsWith("\n"), "every line ends");
    assertEquals("", testbed.err(), "nothing but the refs, and nothing on stderr either");
  }
}
