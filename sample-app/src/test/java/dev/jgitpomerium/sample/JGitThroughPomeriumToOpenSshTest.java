package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgitpomerium.testkit.OpenSshBehindPomerium;
import dev.jgitpomerium.testkit.OpenSshServer;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.TokenStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library end to end against a real server: JGit through the Pomerium gateway to Debian's sshd serving git (not
 * only the in-JVM server), with the pushed content checked by the real git CLI on the server's repository.
 */
class JGitThroughPomeriumToOpenSshTest {
  private static final String HOST = "git.corp.example.com";
  private static final String REPOSITORY = "project.git";

  @TempDir Path work;
  private final String token = "openssh-test-token-" + UUID.randomUUID();
  private OpenSshBehindPomerium environment;

  @BeforeEach
  void start() throws Exception {
    environment = OpenSshBehindPomerium.start(work, REPOSITORY, token);
    environment.startGateway(token, HOST + ":22");
  }

  @AfterEach
  void stop() throws Exception {
    environment.close();
  }

  @Test
  void jgitClonesAndPushesThroughPomeriumToOpenSsh() throws Exception {
    OpenSshServer server = environment.server();
    Path knownHosts = Files.writeString(work.resolve("known_hosts"), server.knownHostsLine(HOST) + "\n",
        StandardCharsets.UTF_8);
    String uri = "ssh://" + OpenSshServer.USER + "@" + HOST + server.repoPath(REPOSITORY);
    try (PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
        .route(HOST + ":22")
        .pomeriumUrl(environment.gatewayUrl())
        .addCaCertificates(environment.caFile())
        .tokenFile(environment.tokenFile())
        .tokenStore(TokenStore.inMemory())
        .homeDirectory(work.resolve("home").toFile())
        .sshDirectory(work.resolve("home/.ssh").toFile())
        .identityFiles(List.of(server.clientKey()))
        .knownHostsFiles(List.of(knownHosts))
        .build();
        Git clone = Git.cloneRepository().setURI(uri).setDirectory(work.resolve("clone").toFile())
            .setTransportConfigCallback(pomerium).call()) {
      assertEquals(server.revParse(REPOSITORY, "main"), clone.getRepository().resolve("HEAD").name());

      Files.writeString(work.resolve("clone/from-jgit.txt"), "pushed by JGit through Pomerium\n");
      clone.add().addFilepattern("from-jgit.txt").call();
      RevCommit commit = clone.commit().setMessage("from JGit").setSign(false).call();
      clone.push().setTransportConfigCallback(pomerium).setRefSpecs(new RefSpec("main:main")).call();
      // Checked by git itself, on the server's repository.
      assertEquals(commit.getId().name(), server.revParse(REPOSITORY, "main"));
      assertEquals("pushed by JGit through Pomerium", server.show(REPOSITORY, "main:from-jgit.txt").strip());
    }
  }
}
