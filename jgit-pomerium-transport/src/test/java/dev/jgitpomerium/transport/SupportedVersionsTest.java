package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgitpomerium.transport.internal.Compatibility;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.sshd.client.SshClient;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.junit.jupiter.api.Test;

/**
 * The tests of this module run once per supported end of the range (the pom's surefire executions): each run must
 * really have the JGit and MINA sshd it names on its class path, or a run meant for JGit 7.4 could silently test 7.8.
 */
class SupportedVersionsTest {
  private static String expected(String property) {
    String v = System.getProperty(property);
    if (v == null) {
      fail("system property " + property + " is not set: run this test through Maven (mvn verify in "
          + "jgit-pomerium-transport), whose surefire executions name the JGit and sshd versions they put on the "
          + "class path");
    }
    return v;
  }

  @Test
  void theClassPathHoldsTheJGitAndSshdJarsThisRunIsFor() throws Exception {
    String jgit = expected("jgit-pomerium.test.jgit-version");
    String sshd = expected("jgit-pomerium.test.sshd-version");
    assertEquals("org.eclipse.jgit-" + jgit + ".jar", jarOf(Repository.class));
    assertEquals("org.eclipse.jgit.ssh.apache-" + jgit + ".jar", jarOf(SshdSessionFactory.class));
    assertEquals("sshd-osgi-" + sshd + ".jar", jarOf(SshClient.class));
  }

  @Test
  void theLibraryDetectsTheVersionsItRunsWith() {
    Compatibility running = Compatibility.running();
    assertEquals(expected("jgit-pomerium.test.jgit-version"), running.jgit());
    assertEquals(expected("jgit-pomerium.test.jgit-version"), running.jgitSsh());
    assertEquals(expected("jgit-pomerium.test.sshd-version"), running.sshd());
    assertTrue(running.outsideRange().isEmpty(), () -> "outside the range: " + running.outsideRange());
  }

  private static String jarOf(Class<?> type) throws Exception {
    Path jar = Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    return jar.getFileName().toString();
  }
}
