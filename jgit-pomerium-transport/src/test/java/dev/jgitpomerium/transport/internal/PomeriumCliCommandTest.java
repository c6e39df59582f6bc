package dev.jgitpomerium.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
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
  void recognisesPomeriumCliByAnyPathOnWindowsTooAndThisProjectsTcp() {
    assertEquals("h:2", parse("C:\\Tools\\pomerium-cli.exe tcp h:2").destination());
    assertEquals("git.corp.example.com:22",
        parse("java -jar /opt/jgit-pomerium.jar tcp --listen - %h:%p").destination());
    assertEquals("tcp+https://p.example.com/git.corp.example.com:22",
        parse("jgit-pomerium tcp tcp+https://p.example.com/%h:%p").destination());
  }

  @Test
  void otherCommandsAreNotPomerium() {
    for (String line : new String[] {"nc %h %p", "ssh -W %h:%p bastion", "pomerium-cli udp %h:%p",
        "pomerium-cli tcp --listen -", "cloudflared access ssh --hostname %h"}) {
      assertTrue(PomeriumCliCommand.parse(line, "h", 22, "git").isEmpty(), line);
    }
  }

  @Test
  void neverShowsTheServiceAccountToken() {
    PomeriumCliCommand c = parse("pomerium-cli tcp --service-account secret-jwt-value %h:%p");
    assertEquals("secret-jwt-value", c.serviceAccount());
    assertFalse(c.toString().contains("secret-jwt-value"), c.toString());
  }
}
