package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line as a program: help and version on stdout, usage errors with status 2, and the demo. */
class UsageTest {
  private String out;
  private String err;

  private int run(String... args) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int status = Main.run(args, InputStream.nullInputStream(), stdout, stderr);
    out = stdout.toString(StandardCharsets.UTF_8);
    err = stderr.toString(StandardCharsets.UTF_8);
    return status;
  }

  @Test
  void helpPrintsUsageWithEveryCommandOnStdoutAndExitsZero() {
    assertEquals(0, run("--help"), err);
    assertTrue(out.startsWith("Usage: jgit-pomerium "), out);
    for (String command : List.of("clone", "fetch", "push", "ls-remote", "login", "logout", "status", "tcp", "demo")) {
      assertTrue(out.contains("\n  " + command + " "), command + " is listed:\n" + out);
    }
    assertEquals("", err);
  }

  @Test
  void noCommandIsAUsageErrorWithTheUsageOnStderrAndStatusTwo() {
    assertEquals(0, run("--help"));
    String help = out;
    assertEquals(2, run(), err);
    assertEquals("", out, "usage errors go to stderr");
    assertTrue(err.startsWith("Missing required command\n"), err);
    assertTrue(err.endsWith(help), err);
  }

  @Test
  void aMalformedUrlIsAUsageErrorThatQuotesTheUrlAsGiven() {
    assertEquals(2, run("ls-remote", "ssh://[::1"), err);
    assertEquals("jgit-pomerium: 'ssh://[::1' is not an SSH URL (ssh://user@host[:port]/path or user@host:path)\n",
        err);
    assertEquals(2, run("clone", "https://example.com/x.git"), err);
    assertEquals("jgit-pomerium: 'https://example.com/x.git' is not an SSH URL (ssh://user@host[:port]/path or "
        + "user@host:path)\n", err);
    assertEquals("", out);
  }

  @Test
  void subcommandHelpShowsPomeriumCliFlagsOnStdout() {
    assertEquals(0, run("clone", "--help"), err);
    assertTrue(out.startsWith("Usage: jgit-pomerium clone "), out);
    for (String flag : List.of("--pomerium-url", "--alternate-ca-path", "--service-account", "--service-account-file",
        "--route", "--verbose", "--forward-proxy")) {
      assertTrue(out.contains(flag), flag + ":\n" + out);
    }
    assertEquals("", err);
  }

  @Test
  void versionPrintsTheLibraryVersionOnStdoutAndExitsZero() {
    assertEquals(0, run("--version"), err);
    assertEquals("jgit-pomerium " + PomeriumSshSessionFactory.version(), out.strip());
    assertFalse(PomeriumSshSessionFactory.version().isBlank());
    assertEquals("", err);
  }

  @Test
  void unknownCommandIsAUsageErrorWithStatusTwo() {
    assertEquals(2, run("frobnicate"));
    assertEquals("", out, "usage errors go to stderr");
    assertTrue(err.contains("Unmatched argument at index 0: 'frobnicate'"), err);
    assertFalse(err.contains("\tat "), err);
  }

  @Test
  void unknownOptionAndMissingArgumentAreUsageErrorsToo() {
    assertEquals(2, run("clone", "--no-such-flag", "ssh://git@example.com/x.git"));
    assertTrue(err.contains("--no-such-flag"), err);
    assertEquals(2, run("ls-remote"));
    assertTrue(err.contains("Missing required parameter"), err);
    assertEquals("", out);
  }

  @Test
  void demoRunsEndToEndAndSaysDemoOk() {
    assertEquals(0, run("demo"), err);
    assertTrue(out.contains("Demo OK"), out);
    assertTrue(out.contains("ok: clone has the server's commit"), out);
  }
}
