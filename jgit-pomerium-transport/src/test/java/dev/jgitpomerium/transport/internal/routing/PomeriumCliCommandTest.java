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
  void readsPomeriumClisPlatformStoreFlags() {
    PomeriumCliCommand c = parse("pomerium-cli tcp --client-cert-from-store --client-cert-issuer 'CN=Corp Device CA' "
        + "--client-cert-subject=O=Example --pomerium-url https://p.example.com %h:%p");
    assertTrue(c.clientCertFromStore());
    assertEquals("CN=Corp Device CA", c.clientCertIssuer());
    assertEquals("O=Example", c.clientCertSubject());
    assertEquals("git.corp.example.com:22", c.destination());
    assertEquals("https://p.example.com", c.pomeriumUrl());
    assertFalse(parse("pomerium-cli tcp --client-cert-from-store=false %h:%p").clientCertFromStore());
    assertFalse(parse("pomerium-cli tcp %h:%p").clientCertFromStore());
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

  private static String refusal(String line) {
    return assertThrows(IllegalArgumentException.class,
        () -> PomeriumCliCommand.parse(line, "git.corp.example.com", 22, "git"), line).getMessage();
  }

  @Test
  void aMistypedFlagIsRefusedByNameWithoutItsValueAsPomeriumCliRefusesIt() {
    String token = "svc-acct-SECRET-TOKEN-1234";
    for (String flags : new String[] {"--service-acount " + token, "--service-acount=" + token,
        "--service-acount '" + token + "'", "\"--service-acount\" \"" + token + "\""}) {
      String message = refusal("pomerium-cli tcp --listen - --pomerium-url https://p.example.com " + flags + " %h:%p");
      assertEquals("the pomerium-cli ProxyCommand has an unknown flag --service-acount (pomerium-cli would refuse it"
          + " too)", message);
    }
    assertEquals("the pomerium-cli ProxyCommand has an unknown flag --foo (pomerium-cli would refuse it too)",
        refusal("pomerium-cli tcp --foo bar %h:%p"));
    assertEquals("the pomerium-cli ProxyCommand has an unknown flag -x (pomerium-cli would refuse it too)",
        refusal("pomerium-cli tcp -xSECRET %h:%p"));
    // pomerium-cli has no --log-level nor this project's own options; this project's tcp has them.
    refusal("pomerium-cli tcp --route h:22 %h:%p");
    assertEquals("git.corp.example.com:22",
        parse("jgit-pomerium tcp --github-oidc --bearer-token-env CI_TOKEN -v --route=h:22 %h:%p").destination());
    assertEquals("the jgit-pomerium ProxyCommand has an unknown flag --github-oid (jgit-pomerium would refuse it"
        + " too)", refusal("java -jar /opt/jgit-pomerium.jar tcp --github-oid %h:%p"));
  }

  @Test
  void everyFlagOfPomeriumClisTcpIsAcceptedBooleansTakingOnlyTrueOrFalseAfterAnEqualsSign() {
    PomeriumCliCommand c = parse("pomerium-cli tcp --listen=- --pomerium-url https://p.example.com --browser-cmd b"
        + " --service-account-file f --alternate-ca-path a --ca-cert Zm9v --client-cert c --client-key k"
        + " --client-cert-issuer CN=x --client-cert-subject O=y --forward-proxy http://proxy:3128"
        + " --disable-tls-verification=T --client-cert-from-store=0 -- %h:%p");
    assertTrue(c.disableTlsVerification());
    assertFalse(c.clientCertFromStore());
    assertEquals("git.corp.example.com:22", c.destination());
    assertEquals("the pomerium-cli ProxyCommand's --disable-tls-verification takes true or false after '='"
        + " (pomerium-cli would refuse any other value)",
        refusal("pomerium-cli tcp --disable-tls-verification=SECRET %h:%p"));
    // A boolean flag takes no separate word: the word is then a second destination.
    assertTrue(refusal("pomerium-cli tcp --disable-tls-verification SECRET %h:%p").contains("2 destinations"));
    assertEquals("the pomerium-cli ProxyCommand has --help, so pomerium-cli would print its help or version and"
        + " open no tunnel", refusal("pomerium-cli tcp --help %h:%p"));
  }

  @Test
  void twoDestinationsOrADestinationThatIsNotHostAndPortAreRefusedWithoutQuotingAWordThatMayBeASecret() {
    assertEquals("the pomerium-cli ProxyCommand names 2 destinations where it takes one (the words after the flags;"
        + " pomerium-cli would refuse it too): is a flag mistyped, or a value given to a flag that takes none?",
        refusal("pomerium-cli tcp svc-acct-SECRET-TOKEN-1234 %h:%p"));
    assertEquals("the destination (the word after the flags) is not host:port",
        refusal("pomerium-cli tcp svc-acct-SECRET-TOKEN-1234"));
    assertEquals("the destination (the word after the flags) is not host:port",
        refusal("pomerium-cli tcp eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
    // A word that is host:port shaped is no secret and is quoted, as the route it fails to be.
    assertTrue(refusal("pomerium-cli tcp git.corp.example.com:99999").contains("'git.corp.example.com:99999'"));
  }
}
