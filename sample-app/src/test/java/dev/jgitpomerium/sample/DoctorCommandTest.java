package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.FakeForwardProxy;
import dev.jgitpomerium.testkit.GatewayResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor} prints one block per step (name, outcome, time, then what it saw), a verdict line and, when a step
 * fails, the fix in the command line's terms; it exits 0 when every step passed and 1 when one failed.
 */
class DoctorCommandTest {
  /** A step's first line: its name, its outcome, and its time unless it did not run. */
  private static final Pattern STEP = Pattern.compile(
      "^(SSH_CONFIG|PROXY|DNS|TCP|TLS|TOKEN|CONNECT|SSH_BANNER|HOST_KEY) +(ok|warning|FAILED|skipped|not applicable)"
          + "( +\\d+ ms)?$");

  @TempDir Path dir;
  private CliTestbed testbed;

  @BeforeEach
  void start() throws Exception {
    testbed = CliTestbed.start(dir);
  }

  @AfterEach
  void stop() {
    testbed.close();
  }

  private List<String> steps() {
    return testbed.out().lines().filter(l -> STEP.matcher(l).matches()).toList();
  }

  @Test
  void aWorkingHostPrintsEveryStepAndAVerdictAndExitsZero() {
    int status = testbed.run(testbed.withPomeriumFlags("doctor", "git@" + CliTestbed.HOST + ":"
        + CliTestbed.REPOSITORY));

    assertEquals(0, status, testbed.out() + testbed.err());
    String out = testbed.out();
    assertTrue(out.startsWith("jgit-pomerium doctor git.corp.example.com\nSSH_CONFIG  ok "), out);
    assertEquals(9, steps().size(), out);
    assertTrue(steps().stream().allMatch(l -> l.endsWith(" ms")), out);
    assertTrue(out.contains("\n    SSH-2.0-"), out);
    assertTrue(out.contains("\n    fix: have Pomerium's certificate renewed before it expires\n"), out);
    assertTrue(out.endsWith("\nOK with warnings: a connection to git.corp.example.com would work\n"), out);
    assertFalse(out.contains(CliTestbed.TOKEN), "the token itself never appears");
    assertEquals("", testbed.err());
  }

  @Test
  void withoutAHostItChecksTheRoutesAndAnUntrustedGatewayFailsAtTlsWithTheFlagToAddItsCaAndExitsOne() {
    int status = testbed.run("doctor", "--route", CliTestbed.HOST + ":22", "--pomerium-url", testbed.gateway.url(),
        "--service-account-file", testbed.tokenFile.toString());

    assertEquals(1, status, testbed.out() + testbed.err());
    String out = testbed.out();
    assertTrue(out.startsWith("jgit-pomerium doctor git.corp.example.com\n"), out);
    assertTrue(steps().contains("TOKEN       skipped"), out);
    assertTrue(steps().stream().anyMatch(l -> l.startsWith("TLS         FAILED ")), out);
    List<String> last = out.lines().skip(out.lines().count() - 2).toList();
    assertTrue(last.get(0).startsWith("FAILED at TLS: TLS handshake with Pomerium at localhost:"), out);
    assertEquals("fix: if Pomerium uses a private CA, pass its certificate with --alternate-ca-path <ca.pem>",
        last.get(1));
  }

  @Test
  void neitherTheServiceAccountTokenNorTheProxyPasswordOfAPomeriumCliLineIsPrinted() throws Exception {
    String password = "Pr0xy:p@ss/w%rd";
    try (FakeForwardProxy proxy = FakeForwardProxy.start(FakeForwardProxy.Kind.HTTP,
        Map.of("localhost:" + testbed.gateway.port(), testbed.gateway.address())).requireCredentials("bob", password)) {
      testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  ProxyCommand pomerium-cli tcp --listen - --pomerium-url "
          + testbed.gateway.url() + " --alternate-ca-path " + testbed.caFile + " --service-account="
          + CliTestbed.TOKEN + " --forward-proxy http://bob:Pr0xy%%3Ap%%40ss%%2Fw%%25rd@" + proxy.authority()
          + " %h:%p\n");

      int status = testbed.run("doctor", "-v", "git@" + CliTestbed.HOST + ":" + CliTestbed.REPOSITORY);

      assertEquals(0, status, testbed.out() + testbed.err());
      String all = testbed.out() + testbed.err();
      assertTrue(all.contains("--service-account=<redacted> --forward-proxy 'http://***@" + proxy.authority() + "'"),
          all);
      for (String secret : List.of(CliTestbed.TOKEN, "Pr0xy", password)) {
        assertFalse(all.contains(secret), secret + " in " + all);
      }
    }
  }

  @Test
  void aHostBehindAProxyCommandDoctorDoesNotRunIsNotCheckedAndExitsThree() throws Exception {
    testbed.writeSshConfig("Host " + CliTestbed.HOST + "\n  ProxyCommand nc -X connect -x proxy:3128 %h %p\n");

    int status = testbed.run("doctor", "git@" + CliTestbed.HOST + ":" + CliTestbed.REPOSITORY);

    assertEquals(DoctorCommand.NOT_CHECKED, status, testbed.out() + testbed.err());
    String out = testbed.out();
    assertTrue(out.endsWith("\nNOT CHECKED: git.corp.example.com is reached through a ProxyCommand (see SSH_CONFIG), "
        + "which doctor does not run; run it by hand with ssh -v git@git.corp.example.com\n"), out);
    assertEquals(1, out.split("nc -X connect", -1).length - 1, out);
    testbed.run("doctor", "--help");
    assertTrue(testbed.out().contains("3   not checked: a ProxyCommand doctor does not run reaches the host"),
        testbed.out());
  }

  @Test
  void anUnknownHostKeysFixIsAKeyscanCommandWithTheDoctorsOptionsThatWorksAndInlinesNoToken() throws Exception {
    Path knownHosts = testbed.sshDirectory.resolve("known_hosts");
    Files.writeString(knownHosts, "");

    int status = testbed.run(testbed.withPomeriumFlags("doctor", "git@" + CliTestbed.HOST + ":"
        + CliTestbed.REPOSITORY));

    assertEquals(1, status, testbed.out() + testbed.err());
    List<String> lines = testbed.out().lines().toList();
    String fix = lines.get(lines.size() - 2);
    String printed = lines.get(lines.size() - 1);
    String command = "java -jar jgit-pomerium.jar keyscan --pomerium-url " + testbed.gateway.url()
        + " --alternate-ca-path " + testbed.caFile + " --service-account-file TOKEN_FILE git.corp.example.com >> "
        + knownHosts;
    assertTrue(fix.startsWith("fix: check the fingerprint SHA256:"), fix);
    assertTrue(fix.endsWith(" with the server's administrator, then add the key with this command (TOKEN_FILE: a"
        + " file holding the --service-account token, which is never shown):"), fix);
    assertEquals("    " + command, printed);
    // Pasted into a shell, the line is one command that bash reads without a syntax error.
    try (ChildProcesses processes = new ChildProcesses(dir.resolve("processes"), testbed.home)) {
      ChildProcesses.Result parsed = processes.run(dir, List.of("bash", "-n", "-c", printed));
      assertEquals(0, parsed.exitCode(), parsed.describe());
    }
    assertFalse((testbed.out() + testbed.err()).contains(CliTestbed.TOKEN), "the token itself never appears");

    // Run as suggested, with the token in a file: it prints the key the doctor could not find.
    String[] words = command.substring("java -jar jgit-pomerium.jar ".length(), command.indexOf(" >> "))
        .replace("TOKEN_FILE", testbed.tokenFile.toString()).split(" ");
    assertEquals(0, testbed.run(words), testbed.err());
    assertTrue(testbed.out().startsWith("git.corp.example.com "), testbed.out());
    Files.writeString(knownHosts, testbed.out());
    assertEquals(0, testbed.run(testbed.withPomeriumFlags("doctor", "git@" + CliTestbed.HOST + ":"
        + CliTestbed.REPOSITORY)), testbed.out());
  }

  @Test
  void anUnknownHostKeysFixWithAHostKeyAliasScansTheHostAsGivenAndItsLineMakesTheDoctorPass() throws Exception {
    Path knownHosts = testbed.sshDirectory.resolve("known_hosts");
    Files.writeString(knownHosts, "");
    testbed.writeSshConfig("Host aliased\n  HostName " + CliTestbed.HOST + "\n  HostKeyAlias gitalias\n");

    assertEquals(1, testbed.run(testbed.withPomeriumFlags("doctor", "git@aliased:" + CliTestbed.REPOSITORY)),
        testbed.out() + testbed.err());
    String fix = testbed.out().lines().reduce((a, b) -> b).orElseThrow();
    // Not "keyscan ... gitalias": the alias has no Host block, and Pomerium no route for it.
    String scan = " aliased >> " + knownHosts;
    assertTrue(fix.contains(" keyscan --pomerium-url ") && fix.contains(scan), fix);

    String[] words = fix.substring(fix.indexOf("keyscan --pomerium-url "), fix.indexOf(scan) + " aliased".length())
        .replace("TOKEN_FILE", testbed.tokenFile.toString()).split(" ");
    assertEquals(0, testbed.run(words), testbed.err());
    assertTrue(testbed.out().startsWith("gitalias "), testbed.out());
    Files.writeString(knownHosts, testbed.out());
    assertEquals(0, testbed.run(testbed.withPomeriumFlags("doctor", "git@aliased:" + CliTestbed.REPOSITORY)),
        testbed.out());
  }

  @Test
  void aRejectedServiceAccountTokenFileIsToBeRenewedInThatFileNotBySigningIn() {
    testbed.gateway.enqueue(GatewayResponse.unauthorized());
    int status = testbed.run("doctor", "--pomerium-url", testbed.gateway.url(), "--alternate-ca-path",
        testbed.caFile.toString(), "--service-account-file", testbed.tokenFile.toString(), CliTestbed.HOST);

    assertEquals(1, status, testbed.out() + testbed.err());
    assertTrue(testbed.out().endsWith("\nfix: renew the service-account token in " + testbed.tokenFile + ", or check "
        + "that it was made for this Pomerium; signing in does not help while it is configured\n"), testbed.out());
  }

  /** A process of its own: CI is an environment variable. */
  @Test
  void withNoTokenUnderCiTheFixNamesTheCiTokenFlagsNotLogin() throws Exception {
    try (ChildProcesses processes = new ChildProcesses(dir.resolve("processes"), testbed.home)) {
      ChildProcesses.Result result = processes.run(dir, Map.of("CI", "true", "JGIT_POMERIUM_TOKEN_CACHE",
          testbed.tokenCache.toString()), CliProcess.jgitPomerium(testbed.home, "doctor", "--pomerium-url",
          testbed.gateway.url(), "--alternate-ca-path", testbed.caFile.toString(), CliTestbed.HOST));

      assertEquals(1, result.exitCode(), result.describe());
      assertTrue(result.stdout().endsWith("\nfix: this looks like a CI run (CI is set), which never signs in: give "
          + "the job's identity token (--github-oidc, --bearer-token-env VARIABLE or --kubernetes-token-file FILE) or "
          + "a service-account token (--service-account-file FILE)\n"), result.describe());
      assertFalse(result.stdout().contains(" login "), result.describe());
    }
  }
}
