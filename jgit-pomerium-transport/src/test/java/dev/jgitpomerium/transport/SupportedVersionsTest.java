package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgitpomerium.transport.internal.config.Compatibility;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
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

  @Test
  void theSupportedRangeIsTheOneTheBuildTestsAndTheReadmeStates() throws Exception {
    Compatibility running = Compatibility.running();
    assertEquals("JGit 7.4–7.8 with MINA sshd 2.16–2.19", running.supported());
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    assertTrue(readme.contains("### Supported versions\n\n" + "JGit 7.4 to 7.8 with Apache MINA sshd 2.16 to 2.19"),
        "README.md's Supported versions must state the range the build tests: " + running.supported());
  }

  @Test
  void versionsOutsideTheRangeAreNamedInOneWarningWithTheSupportedOnes() {
    Compatibility older = with("7.3.0.202506031305-r", "2.15.0");

    assertEquals(List.of("JGit 7.3.0.202506031305-r", "MINA sshd 2.15.0"), older.outsideRange());
    assertEquals("jgit-pomerium " + PomeriumSshSessionFactory.version() + " supports JGit 7.4–7.8 with MINA sshd "
        + "2.16–2.19; this JVM has JGit 7.3.0.202506031305-r and MINA sshd 2.15.0: JGit 7.3.0.202506031305-r and MINA "
        + "sshd 2.15.0 are untested, and connections may fail. Align the JGit and sshd versions your build pins with "
        + "the supported ones.", older.outsideRangeWarning());
    assertEquals(List.of("JGit 8.0.0.202701011200-r"), with("8.0.0.202701011200-r", "2.19.0").outsideRange());
    assertEquals(List.of("MINA sshd 3.0.0"), with("7.8.1.202611041320-r", "3.0.0").outsideRange());
  }

  @Test
  void laterPatchReleasesOfTheNewestAndUnknownVersionsAreNotWarnedAbout() {
    assertNull(with("7.8.2.202612011200-r", "2.19.3").outsideRangeWarning());
    assertNull(with("7.4.0.202509020913-r", "2.16.0").outsideRangeWarning());
    // A repackaged jar that does not say its version: nothing is known against it.
    assertNull(with(null, null).outsideRangeWarning());
  }

  @Test
  void aMissingJGitOrSshdMethodBecomesAMessageNamingTheVersionsFoundAndSupported() {
    NoSuchMethodError missing = new NoSuchMethodError("'void org.eclipse.jgit.transport.sshd.SshdSession.x()'");

    IllegalStateException e = with("6.10.1.202505221210-r", "2.14.0").incompatible(missing);

    assertSame(missing, e.getCause());
    assertTrue(e.getMessage().startsWith("jgit-pomerium " + PomeriumSshSessionFactory.version() + " cannot run with "
        + "JGit 6.10.1.202505221210-r and MINA sshd 2.14.0 on the class path (java.lang.NoSuchMethodError: 'void "
        + "org.eclipse.jgit.transport.sshd.SshdSession.x()'); it supports JGit 7.4–7.8 with MINA sshd 2.16–2.19"),
        e.getMessage());
    assertSame(missing, Compatibility.linkageErrorIn(new IOException("wrapped", missing)));
  }

  @Test
  void agentKeysFollowTheIdentityFileFromJGit75On() {
    assertFalse(with("7.4.0.202509020913-r", "2.16.0").ordersAgentKeysByIdentityFile());
    assertTrue(with("7.5.0.202512021534-r", "2.16.0").ordersAgentKeysByIdentityFile());
    assertTrue(with(null, "2.16.0").ordersAgentKeysByIdentityFile());
  }

  /** The running range, with other versions found. */
  private static Compatibility with(String jgit, String sshd) {
    Compatibility running = Compatibility.running();
    return new Compatibility(jgit, jgit, sshd, running.jgitRange(), running.sshdRange());
  }

  private static String jarOf(Class<?> type) throws Exception {
    Path jar = Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    return jar.getFileName().toString();
  }
}
