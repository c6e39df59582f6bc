package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's advice, a host block with {@code ProxyCommand pomerium-cli tcp ...}, works for JGit with no Pomerium
 * line in the program: JGit ignores ProxyCommand, this factory reads it.
 */
class SshConfigRoutingTest extends TestbedTest {
  Path ca;
  Path token;

  @BeforeEach
  void writeCaTokenAndHome() throws Exception {
    ca = testbed.gateway.writeCaCertificate(dir.resolve("pomerium-ca.pem"));
    token = Files.writeString(dir.resolve("service-account.jwt"), Testbed.TOKEN);
    useTestbedHomeAsUserHome();
  }

  @AfterEach
  void uninstall() {
    if (SshSessionFactory.getInstance() instanceof PomeriumSshSessionFactory pomerium) {
      pomerium.close();
    }
    SshSessionFactory.setInstance(null);
  }

  private void writeSshConfig(String... lines) throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("config"), String.join("\n", lines) + "\n");
  }

  private String proxyCommand(String extra) {
    return "  ProxyCommand /usr/local/bin/pomerium-cli tcp --listen - --pomerium-url " + testbed.gateway.url()
        + " --alternate-ca-path " + ca + " " + extra + " %h:%p";
  }

  @Test
  void plainJGitClonesThroughPomeriumWithOnlyAnSshConfigHostBlock() throws Exception {
    writeSshConfig("Host *.corp.example.com", proxyCommand("--service-account-file " + token));
    SshSessionFactory.setInstance(null);
    assertInstanceOf(PomeriumSshSessionFactory.class, SshSessionFactory.getInstance(), "found by ServiceLoader");

    // No Pomerium-specific line from here on: the program is stock JGit.
    try (Git clone = Git.cloneRepository().setURI(Testbed.URI).setDirectory(dir.resolve("clone").toFile()).call()) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    assertEquals("Pomerium " + Testbed.TOKEN, testbed.gateway.requests().get(0).authorization());
    assertEquals("git.corp.example.com:22", testbed.gateway.requests().get(0).target());
  }

  @Test
  void anAliasWithHostNameIsRoutedToTheNameJGitConnectsTo() throws Exception {
    writeSshConfig("Host corp-git", "  HostName git.corp.example.com", proxyCommand("--service-account-file " + token));
    try (PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
        .homeDirectory(testbed.home.toFile()).sshDirectory(testbed.sshDirectory.toFile()).build()) {
      assertEquals(Optional.of("git.corp.example.com:22"),
          pomerium.routeFor("corp-git", 0).map(Route::destination));
      try (Git clone = Git.cloneRepository().setURI("ssh://git@corp-git/" + Testbed.REPOSITORY)
          .setDirectory(dir.resolve("clone").toFile()).setTransportConfigCallback(pomerium).call()) {
        assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      }
    }
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void settingsGivenInCodeWinOverTheProxyCommandLine() throws Exception {
    writeSshConfig("Host git.corp.example.com", proxyCommand("--service-account wrong-token-from-config"));
    try (PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder().token(Testbed.TOKEN)
        .homeDirectory(testbed.home.toFile()).sshDirectory(testbed.sshDirectory.toFile()).build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    assertEquals("Pomerium " + Testbed.TOKEN, testbed.gateway.requests().get(0).authorization());
  }

  @Test
  void anotherProxyCommandOrNoneIsNoPomeriumRoute() throws Exception {
    writeSshConfig("Host git.corp.example.com", "  ProxyCommand nc %h %p", "Host other.corp.example.com",
        "  ProxyCommand none");
    try (PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
        .homeDirectory(testbed.home.toFile()).sshDirectory(testbed.sshDirectory.toFile()).build()) {
      assertEquals(Optional.empty(), pomerium.routeFor("git.corp.example.com", 22));
      assertEquals(Optional.empty(), pomerium.routeFor("other.corp.example.com", 0));
    }
  }
}
