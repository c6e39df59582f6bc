package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.ProxySelector;
import java.nio.file.Files;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code -javaagent:jgit-pomerium.jar} with only environment configuration: what a build tool gets without a code
 * change. (The agent's entry point is called here in-process; test.sh starts the shaded jar as an agent.)
 */
class PomeriumAgentTest extends TestbedTest {
  private static final String[] PROPERTIES = {"jgit.pomerium.routes", "jgit.pomerium.url", "jgit.pomerium.caFile",
      "jgit.pomerium.tokenFile"};
  ProxySelector before;

  @BeforeEach
  void configureLikeMavenOpts() throws Exception {
    before = ProxySelector.getDefault();
    useTestbedHomeAsUserHome();
    System.setProperty("jgit.pomerium.routes", Testbed.HOST + ":22");
    System.setProperty("jgit.pomerium.url", testbed.gateway.url());
    System.setProperty("jgit.pomerium.caFile",
        testbed.gateway.writeCaCertificate(dir.resolve("ca.pem")).toString());
    System.setProperty("jgit.pomerium.tokenFile",
        Files.writeString(dir.resolve("token"), Testbed.TOKEN).toString());
  }

  @AfterEach
  void uninstall() {
    PomeriumAgent.uninstall();
    for (String key : PROPERTIES) {
      System.clearProperty(key);
    }
    assertSame(before, ProxySelector.getDefault());
  }

  @Test
  void reachesCodeThatMakesItsOwnStockFactoryAsMavenScmsJgitProviderDoes() throws Exception {
    assertNotNull(PomeriumAgent.install());
    assertEquals(PomeriumSshSessionFactory.class, SshSessionFactory.getInstance().getClass());
    try (SshdSessionFactory own = new SshdSessionFactory()) {
      try (Git clone = Git.cloneRepository().setURI(Testbed.URI).setDirectory(dir.resolve("clone").toFile())
          .setTransportConfigCallback(t -> ((SshTransport) t).setSshSessionFactory(own)).call()) {
        assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      }
    }
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void aBadConfigurationLeavesTheJvmAsItWas() {
    System.setProperty("jgit.pomerium.url", "not a url");
    assertNull(PomeriumAgent.install());
    assertSame(before, ProxySelector.getDefault());
  }
}
