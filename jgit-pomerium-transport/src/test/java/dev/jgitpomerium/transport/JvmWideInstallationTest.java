package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Plain JGit code, with no Pomerium-specific line, clones through Pomerium once the factory is installed. */
class JvmWideInstallationTest extends TestbedTest {

  @BeforeEach
  void jgitUsesTheTestbedHome() {
    useTestbedHomeAsUserHome();
  }

  @AfterEach
  void uninstall() {
    SshSessionFactory current = SshSessionFactory.getInstance();
    if (current instanceof PomeriumSshSessionFactory pomerium) {
      pomerium.close();
    }
    SshSessionFactory.setInstance(null);
    for (String key : new String[] {"jgit.pomerium.routes", "jgit.pomerium.url", "jgit.pomerium.caFile",
        "jgit.pomerium.tokenFile"}) {
      System.clearProperty(key);
    }
  }

  private void assertPlainCloneWorks() throws Exception {
    try (Git clone = Git.cloneRepository().setURI(Testbed.URI).setDirectory(dir.resolve("clone").toFile()).call()) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void serviceLoaderPicksTheFactoryWhichReadsSystemPropertiesOnFirstUse() throws Exception {
    SshSessionFactory.setInstance(null);
    // Configured after the factory exists: it reads its settings lazily, at the first connection.
    SshSessionFactory loaded = SshSessionFactory.getInstance();
    assertInstanceOf(PomeriumSshSessionFactory.class, loaded);

    Path ca = testbed.gateway.writeCaCertificate(dir.resolve("pomerium-ca.pem"));
    Path token = Files.writeString(dir.resolve("token"), Testbed.TOKEN);
    System.setProperty("jgit.pomerium.routes", Testbed.HOST + ":22");
    System.setProperty("jgit.pomerium.url", testbed.gateway.url());
    System.setProperty("jgit.pomerium.caFile", ca.toString());
    System.setProperty("jgit.pomerium.tokenFile", token.toString());

    assertPlainCloneWorks();
  }

  @Test
  void anInvalidSystemPropertyFailsTheConnectionWithAMessageNamingIt() {
    SshSessionFactory.setInstance(null);
    System.setProperty("jgit.pomerium.routes", Testbed.HOST + ":22");
    System.setProperty("jgit.pomerium.url", "pomerium.corp.example.com");
    TransportException e = assertThrows(TransportException.class,
        () -> Git.cloneRepository().setURI(Testbed.URI).setDirectory(dir.resolve("clone").toFile()).call());
    assertTrue(e.getMessage().contains(
        "jgit-pomerium is misconfigured: invalid jgit-pomerium setting jgit.pomerium.url (or JGIT_POMERIUM_URL)"),
        e.getMessage());
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void setInstanceRoutesEveryJGitSshConnectionInTheJvm() throws Exception {
    SshSessionFactory.setInstance(testbed.factory().build());
    assertPlainCloneWorks();
  }
}
