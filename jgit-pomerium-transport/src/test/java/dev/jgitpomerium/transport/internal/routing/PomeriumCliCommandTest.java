package dev.jgitpomerium.transport.internal.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ProxyCommand lines that mean "this host is behind Pomerium", and the options they carry. */
class PomeriumCliCommandTest {

  private static PomeriumCliCommand parse(String line) {
    return PomeriumCliCommand.parse(line, "git.corp.example.com", 22, "git").orElseThrow();
  }

  @Test
  void readsEveryTunnelOptionInBothSpellings() {
    PomeriumCliCommand c = parse("/opt/bin/pomerium-cli tcp --listen - --pomerium-url=https://p.example.com:8443 "
        + "--alternate-ca-path /etc/ca.pem --ca-cert Zm9v --client-cert c.pem --client-key k.pem "
        + "--disable-tls-verification --browser-cmd 'firefox -P work' --service-account-file /run/token %h:%p");
    assertEquals("git.corp.example.com:22", c.destination());
    assertEquals("https://p.example.com:8443", c.pomeriumUrl());
    assertEquals(List.of(Path.of("/etc/ca.pem")), c.caFiles());
    assertEquals("Zm9v", c.caCertBase64());
    assertEquals(Path.of("c.pem"), c.clientCert());
    assertEquals(Path.of("k.pem"), c.clientKey());
    assertTrue(c.disableTlsVerification());
    assertEquals("firefox -P work", c.browserCommand());
    assertEquals(Path.of("/run/token"), c.serviceAccountFile());
  }

  @Test
  void readsTheForwardProxyInBothSpellingsAndNeverShowsIt() {
    assertEquals("socks5h://u:p@proxy:1080",
        parse("pomerium-cli tcp --forward-proxy socks5h://u:p@proxy:1080 %h:%p").forwardProxy());
    PomeriumCliCommand c = parse("pomerium-cli tcp --forward-proxy=http://u:s3cret@proxy:3128 %h:%p");
    assertEquals("http://u:s3cret@proxy:3128", c.forwardProxy());
    assertEquals("git.corp.example.com:22", c.destination());
    assertFalse(c.toString().contains("s3cret"));
    assertEquals(null, parse("pomerium-cli tcp %h:%p").forwardProxy());
  }

  @Test
  void recognisesPomeriumCliByAnyPathOnWindowsTooAndThisProjectsTcp() {
    assertEquals("h:2", PomeriumCliCommand.parse("C:\\Tools\\pomerium-cli.exe tcp h:2", name -> null, true)
        .orElseThrow().destination());
    assertEquals("git.corp.example.com:22",
        parse("java -jar /opt/jgit-pomerium.jar tcp --listen - %h:%p").destination());
    assertEquals("tcp+https://p.example.com/git.corp.example.com:22",
        parse("jgit-pomerium tcp tcp+https://p.example.com/%h:%p").destination());
  }

  @Test
  void otherCommandsAreNotPomerium() {
    for (String line : new String[] {"nc %h %p", "ssh -W %h:%p bastion", "pomerium-cli udp %h:%p",
        "cloudflared access ssh --hostname %h", "env A=b pomerium-cli tcp %h:%p", "sudo pomerium-cli tcp %h:%p"}) {
      assertTrue(PomeriumCliCommand.parse(line, "h", 22, "git").isEmpty(), line);
    }
  }

  @Test
  void theLineIsReadAsTheShellReadsItBeforeItsFlags() {
    Map<String, String> env = Map.of("HOME", "/home/alice", "URL", "https://p.example.com");
    PomeriumCliCommand c = PomeriumCliCommand.parse("exec pomerium-cli tcp --alternate-ca-path ~/ca.pem "
        + "--pomerium-url \"${URL}\" --browser-cmd 'firefox -P work' git.corp.example.com:22", env::get, false)
        .orElseThrow();
    assertEquals(List.of(Path.of("/home/alice/ca.pem")), c.caFiles());
    assertEquals("https://p.example.com", c.pomeriumUrl());
    assertEquals("firefox -P work", c.browserCommand());
  }

  @Test
  void aLineWithShellConstructsIsLeftToTheShell() {
    for (String line : new String[] {"pomerium-cli tcp h:22 2>>/tmp/log", "pomerium-cli tcp $(cat /etc/url) h:22",
        "pomerium-cli tcp h:22 | cat"}) {
      assertTrue(PomeriumCliCommand.parse(line, name -> null, false).isEmpty(), line);
    }
  }

  @Test
  void aPomeriumLineThatCannotBeUsedIsAnErrorNotAnotherCommand() {
    for (String line : new String[] {"pomerium-cli tcp --listen -", "pomerium-cli tcp --pomerium-url",
        "pomerium-cli tcp 'h:22"}) {
      assertThrows(IllegalArgumentException.class, () -> PomeriumCliCommand.parse(line, name -> null, false), line);
    }
  }

  @Test
  void neverShowsTheServiceAccountToken() {
    PomeriumCliCommand c = parse("pomerium-cli tcp --service-account secret-jwt-value %h:%p");
    assertEquals("secret-jwt-value", c.serviceAccount());
    assertFalse(c.toString().contains("secret-jwt-value"), c.toString());
  }
}
