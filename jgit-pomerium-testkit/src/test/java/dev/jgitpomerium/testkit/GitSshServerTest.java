package dev.jgitpomerium.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class GitSshServerTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path tmp;

  @Test
  void jgitClonesAndPushesOverSshStraightFromTheServer() throws Exception {
    try (GitSshServer server = GitSshServer.start(tmp.resolve("repos"))) {
      ObjectId tip;
      try (Repository origin = server.createBareRepository("group/project.git")) {
        tip = TestRepositories.commitFiles(origin, 5, 64 * 1024, 42);
      }
      Path ssh = tmp.resolve("ssh");
      server.writeUserIdentity(ssh);
      server.writeKnownHosts(ssh.resolve("known_hosts"), "127.0.0.1");
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(ssh.resolve("id_ecdsa"))));
      assertTrue(
          Files.readString(ssh.resolve("id_ecdsa"))
              .startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));

      SshdSessionFactory factory = sessionFactory(ssh);
      TransportConfigCallback useFactory =
          transport -> ((SshTransport) transport).setSshSessionFactory(factory);
      String uri = "ssh://git@127.0.0.1:" + server.port() + "/group/project.git";
      try (Git clone =
          Git.cloneRepository()
              .setURI(uri)
              .setDirectory(tmp.resolve("clone").toFile())
              .setTransportConfigCallback(useFactory)
              .call()) {
        assertEquals(tip, clone.getRepository().resolve("refs/heads/main"));

        ObjectId pushed = TestRepositories.commitFiles(clone.getRepository(), 2, 4096, 7);
        assertTrue(clone.status().call().isClean());
        for (PushResult result : clone.push().setTransportConfigCallback(useFactory).call()) {
          for (RemoteRefUpdate update : result.getRemoteUpdates()) {
            assertEquals(RemoteRefUpdate.Status.OK, update.getStatus(), update.toString());
          }
        }
        try (Repository origin =
            new FileRepositoryBuilder()
                .setGitDir(tmp.resolve("repos/group/project.git").toFile())
                .build()) {
          assertEquals(pushed, origin.resolve("refs/heads/main"));
        }
      } finally {
        factory.close();
      }
      assertTrue(server.awaitNoOpenSessions(WAIT));
    }
  }

  @Test
  void repositoriesOutsideTheRootOrMissingAreRefused() throws Exception {
    try (GitSshServer server = GitSshServer.start(tmp.resolve("repos"))) {
      server.createBareRepository("present.git").close();
      Path ssh = tmp.resolve("ssh");
      server.writeUserIdentity(ssh);
      server.writeKnownHosts(ssh.resolve("known_hosts"));
      SshdSessionFactory factory = sessionFactory(ssh);
      TransportConfigCallback useFactory =
          transport -> ((SshTransport) transport).setSshSessionFactory(factory);
      String base = "ssh://git@127.0.0.1:" + server.port() + "/";
      try {
        // "present" resolves to "present.git", like git-daemon.
        Git.lsRemoteRepository()
            .setRemote(base + "present")
            .setTransportConfigCallback(useFactory)
            .call();

        TransportException missing =
            assertThrows(
                TransportException.class,
                () ->
                    Git.lsRemoteRepository()
                        .setRemote(base + "absent.git")
                        .setTransportConfigCallback(useFactory)
                        .call());
        assertTrue(
            missing.getMessage().contains("does not appear to be a git repository"),
            missing.getMessage());

        TransportException escape =
            assertThrows(
                TransportException.class,
                () ->
                    Git.lsRemoteRepository()
                        .setRemote(base + "group/../../etc")
                        .setTransportConfigCallback(useFactory)
                        .call());
        assertTrue(escape.getMessage().contains(".."), escape.getMessage());
      } finally {
        factory.close();
      }
    }
  }

  @Test
  void closeLeavesNoServerThreadsBehind() throws Exception {
    GitSshServer server = GitSshServer.start(tmp.resolve("repos"));
    try {
      server.createBareRepository("p.git").close();
      Path ssh = tmp.resolve("ssh");
      server.writeUserIdentity(ssh);
      server.writeKnownHosts(ssh.resolve("known_hosts"));
      SshdSessionFactory factory = sessionFactory(ssh);
      try {
        Git.lsRemoteRepository()
            .setRemote("ssh://git@127.0.0.1:" + server.port() + "/p.git")
            .setTransportConfigCallback(
                transport -> ((SshTransport) transport).setSshSessionFactory(factory))
            .call();
      } finally {
        factory.close();
      }
      assertFalse(PomeriumGatewayTest.liveThreads("git-ssh-server-").isEmpty());
    } finally {
      server.close();
    }
    assertEquals(0, server.openSessions());
    assertEquals(List.of(), PomeriumGatewayTest.liveThreads("git-ssh-server-"));
  }

  private SshdSessionFactory sessionFactory(Path ssh) {
    return new SshdSessionFactoryBuilder()
        .setHomeDirectory(tmp.resolve("home").toFile())
        .setSshDirectory(ssh.toFile())
        .build(null);
  }
}
