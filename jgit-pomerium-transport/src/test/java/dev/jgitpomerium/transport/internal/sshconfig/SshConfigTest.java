package dev.jgitpomerium.transport.internal.sshconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.SshConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ~/.ssh/config as OpenSSH reads it, for the keywords that decide where and how a host is reached. */
class SshConfigTest {
  @TempDir Path ssh;

  private SshConfig.HostEntry lookup(String host, String... lines) throws IOException {
    Path config = Files.writeString(ssh.resolve("config"), String.join("\n", lines) + "\n");
    return SshConfig.lookup(config, host, 0, null);
  }

  @Test
  void theWholeProxyCommandLineIsKeptNotOnlyItsFirstWord() throws IOException {
    SshConfig.HostEntry e = lookup("git.corp.example.com",
        "Host git.corp.example.com",
        "  ProxyCommand pomerium-cli tcp --listen - --pomerium-url https://p.example.com %h:%p");
    assertEquals("pomerium-cli tcp --listen - --pomerium-url https://p.example.com %h:%p", e.proxyCommand());
    assertEquals("git.corp.example.com", e.host());
    assertEquals(22, e.port());
  }

  @Test
  void theFirstValueWinsAndPatternsWithNegationSelectBlocks() throws IOException {
    SshConfig.HostEntry e = lookup("gitlab",
        "Host !bastion *",
        "  User first",
        "Host gitlab",
        "  HostName git.%h.corp.example.com",
        "  Port 2222",
        "  User second",
        "  ProxyCommand none");
    assertEquals("git.gitlab.corp.example.com", e.host());
    assertEquals(2222, e.port());
    assertEquals("first", e.user());
    assertNull(e.proxyCommand(), "ProxyCommand none means direct");
    assertNull(lookup("bastion", "Host !bastion *", "  ProxyCommand nc %h %p").proxyCommand());
  }

  @Test
  void includeIsReadInPlaceAndKeepsTheIncludingBlocksScope() throws IOException {
    Files.writeString(ssh.resolve("common.conf"), "Host github.com\n  User git\n");
    Files.createDirectories(ssh.resolve("config.d"));
    Files.writeString(ssh.resolve("config.d/pomerium.conf"),
        "Host *.corp.example.com\n  ProxyCommand pomerium-cli tcp --listen - %h:%p\n");
    SshConfig.HostEntry e = lookup("git.corp.example.com",
        "Include config.d/*.conf",
        "Host git.corp.example.com",
        "  Include common.conf",
        "  Port 2200");
    assertEquals("pomerium-cli tcp --listen - %h:%p", e.proxyCommand());
    assertEquals(2200, e.port(), "the Host block goes on after an Include that ends in another Host line");
  }

  @Test
  void matchBlocksApplyAsInOpenSsh() throws IOException {
    assertEquals("nc %h %p", lookup("git.corp.example.com", "Match host git.corp.example.com",
        "  ProxyCommand nc %h %p").proxyCommand());
    assertNull(lookup("git.corp.example.com", "Match host other.example.com", "  ProxyCommand nc %h %p")
        .proxyCommand());
  }

  @Test
  void noConfigFileMeansTheHostAsGiven() throws IOException {
    SshConfig.HostEntry e = SshConfig.lookup(ssh.resolve("absent"), "git.corp.example.com", 2222, "git");
    assertEquals(new SshConfig.HostEntry("git.corp.example.com", 2222, "git", null), e);
    assertEquals(System.getProperty("user.name"),
        SshConfig.lookup(ssh.resolve("absent"), "h", 0, null).user(), "as ssh: the local user by default");
  }

  @Test
  void serverAliveSettingsUseOpenSshsTimeFormat() throws IOException {
    SshConfig.HostEntry e = lookup("git.corp.example.com",
        "Host git.corp.example.com",
        "  ServerAliveInterval 1m30s",
        "  ServerAliveCountMax 5",
        "Host *",
        "  ServerAliveInterval 10");
    assertEquals(Duration.ofSeconds(90), e.serverAliveInterval());
    assertEquals(5, e.serverAliveCountMax());
    assertEquals(Duration.ofSeconds(10), lookup("other", "Host *", "  ServerAliveInterval=10").serverAliveInterval());
    assertNull(lookup("other", "Host *", "  Port 22").serverAliveInterval(), "unset: the library's default applies");
  }

  @Test
  void anInvalidServerAliveIntervalIsAnErrorNamingTheKeyword() {
    IOException e = assertThrows(IOException.class,
        () -> lookup("h", "Host *", "  ServerAliveInterval soon"));
    assertEquals(ssh.resolve("config") + " line 2: invalid time value.", e.getMessage());
    assertThrows(IOException.class, () -> lookup("h", "Host *", "  ServerAliveCountMax -1"));
  }

  @Test
  void proxyCommandTokensExpandAsInOpenSsh() throws IOException {
    SshConfig.HostEntry e = lookup("alias", "Host alias", "  HostName h.example.com", "  User git",
        "  ProxyCommand connect %h:%p %r %n %k 100%%");
    assertEquals("connect h.example.com:22 git alias alias 100%", e.expand(e.proxyCommand()));
    IOException unknown = assertThrows(IOException.class, () -> e.expand("connect %x"));
    assertEquals(ssh.resolve("config") + " line 4: ProxyCommand has an unknown escape %x (write %% for a literal %)",
        unknown.getMessage());
    IOException trailing = assertThrows(IOException.class, () -> e.expand("connect 100%"));
    assertEquals(ssh.resolve("config") + " line 4: ProxyCommand ends with a lone '%' (write %% for a literal %)",
        trailing.getMessage());
  }

  @Test
  void aProxyCommandWithABadEscapeIsNamedByItsLineNotQuotedForItMayHoldSecrets() throws IOException {
    // A percent-encoded proxy password is the usual cause: in ssh config its '%' must be written '%%'.
    SshConfig.HostEntry e = lookup("git.corp.example.com", "Host git.corp.example.com",
        "  ProxyCommand pomerium-cli tcp --listen - --service-account=SECRET-svc --forward-proxy=http://u:p%40ss@h:1"
            + " %h:%p");
    IOException failure = assertThrows(IOException.class, () -> e.expand(e.proxyCommand()));
    assertEquals(ssh.resolve("config") + " line 2: ProxyCommand has an unknown escape %4 (write %% for a literal %)",
        failure.getMessage());
    assertFalse(failure.getMessage().contains("SECRET") || failure.getMessage().contains("p%40ss"));
  }

  /**
   * Debian's OpenSSH (its user-group-modes rule) accepts a group-writable ~/.ssh/config whose group has only its owner
   * as member, as a umask of 002 with user-private groups makes it, and refuses one that a group shared with another
   * user can write. (ssh checks only ~/.ssh/config, not a file given with -F, so `ssh -G -F` cannot be the oracle
   * here; a trial with the real ~/.ssh/config gave these two answers.) The tests run as root, whose group has no
   * other member; pomerium-git's group is another user's.
   */
  @Test
  void aGroupWritableConfigIsAcceptedOnlyWhenItsGroupIsTheOwnersAlone() throws Exception {
    Path config = Files.writeString(ssh.resolve("config"), "Host gitlab\n  Port 2222\n");
    Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
    Files.setAttribute(config, "unix:gid", 0);
    assertEquals(2222, SshConfig.lookup(config, "gitlab", 0, null).port());

    int shared = (Integer) Files.getAttribute(Path.of("/home/pomerium-git"), "unix:gid");
    Files.setAttribute(config, "unix:gid", shared);
    IOException e = assertThrows(IOException.class, () -> SshConfig.lookup(config, "gitlab", 0, null));
    assertTrue(e.getMessage().startsWith("Bad owner or permissions on "), e.getMessage());
  }

  /** As {@code ssh -G} prints them: {@code ControlPersist 0} is {@code yes}, {@code no} ends with the last client. */
  @Test
  void controlMasterAndControlPersistAreReadAsOpenSshReadsThem() throws IOException {
    SshConfig.HostEntry none = lookup("h", "Host h", "  Port 22");
    assertNull(none.controlMaster());
    assertNull(none.controlPersist());
    assertEquals(false, lookup("h", "Host h", "  ControlMaster no").controlMaster());
    assertEquals(false, lookup("h", "Host h", "  ControlMaster auto", "  ControlPath none").controlMaster());
    assertEquals(true, lookup("h", "Host h", "  ControlMaster autoask").controlMaster());
    assertEquals(Duration.ZERO, lookup("h", "Host h", "  ControlPersist no").controlPersist());
    assertEquals(SshConfig.PERSIST_UNTIL_CLOSED, lookup("h", "Host h", "  ControlPersist yes").controlPersist());
    assertEquals(SshConfig.PERSIST_UNTIL_CLOSED, lookup("h", "Host h", "  ControlPersist 0").controlPersist());
    assertEquals(Duration.ofSeconds(330), lookup("h", "Host h", "  ControlPersist 5m30s").controlPersist());
    SshConfigException bad = assertThrows(SshConfigException.class,
        () -> lookup("h", "Host h", "  ControlPersist sometimes"));
    assertTrue(bad.getMessage().endsWith("line 2: Bad ControlPersist argument."), bad.getMessage());
  }
}
