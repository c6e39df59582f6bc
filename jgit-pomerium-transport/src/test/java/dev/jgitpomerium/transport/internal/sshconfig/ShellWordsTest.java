package dev.jgitpomerium.transport.internal.sshconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A ProxyCommand line means what /bin/sh makes of it: the words are compared with the shell's own. */
class ShellWordsTest {
  private static final Map<String, String> ENV = Map.of(
      "HOME", "/home/alice",
      "PATH", "/usr/bin:/bin",
      "URL", "https://pomerium.corp.example.com",
      "SPACED", "two  words",
      "EMPTY", "");

  @ParameterizedTest
  @ValueSource(strings = {
      "pomerium-cli tcp --listen - --alternate-ca-path ~/ca.pem git.corp.example.com:22",
      "pomerium-cli tcp --pomerium-url \"${URL}\" h:22",
      "pomerium-cli tcp --pomerium-url $URL h:22",
      "pomerium-cli tcp --pomerium-url=$URL/x h:22",
      "pomerium-cli tcp --browser-cmd 'firefox -P work' --ca-path=~/not-expanded h:22",
      "pomerium-cli tcp --a \"it's \\\"quoted\\\" \\$HOME \\\\\" --b 'a\\b' c\\ d h:22",
      "pomerium-cli tcp $SPACED \"$SPACED\" $EMPTY \"$EMPTY\" '' $UNSET h:22   # a comment",
      "exec pomerium-cli tcp ~ ~/ h:22",
      "pomerium-cli tcp a$ \"b$\" [::1]:22 --x=a=b",
      "/opt/pomerium/bin/pomerium-cli tcp ${HOME}/x h:22"})
  void readsAWordsAsTheShellDoes(String line) throws Exception {
    assertEquals(shell(line), ShellWords.split(line, ENV::get));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "pomerium-cli tcp h:22 | tee log", "pomerium-cli tcp h:22; echo done", "pomerium-cli tcp h:22 && true",
      "pomerium-cli tcp h:22 2>/dev/null", "pomerium-cli tcp $(cat url) h:22", "pomerium-cli tcp `cat url` h:22",
      "pomerium-cli tcp ${URL:-x} h:22", "URL=x pomerium-cli tcp h:22", "pomerium-cli tcp ~bob/ca.pem h:22",
      "pomerium-cli tcp $1 h:22", "exec -a name pomerium-cli tcp h:22", "if true; then pomerium-cli tcp h:22; fi",
      "pomerium-cli tcp /etc/* h:22", "pomerium-cli tcp h:22 &"})
  void linesOnlyAShellCanFollowAreLeftToTheShell(String line) {
    assertNull(ShellWords.split(line, ENV::get), line);
  }

  @ParameterizedTest
  @ValueSource(strings = {"pomerium-cli tcp 'h:22", "pomerium-cli tcp \"h:22"})
  void anUnterminatedQuoteIsAnError(String line) {
    assertThrows(ShellWords.SyntaxException.class, () -> ShellWords.split(line, ENV::get));
  }

  /** The words /bin/sh runs {@code line} with (a leading exec dropped), in {@link #ENV}. */
  private static List<String> shell(String line) throws IOException, InterruptedException {
    String command = line.startsWith("exec ") ? line.substring(5) : line;
    ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", "printf '%s\\0' " + command.substring(
        command.indexOf(' ') + 1)).redirectErrorStream(true).directory(new java.io.File("/"));
    builder.environment().clear();
    builder.environment().putAll(ENV);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new AssertionError("/bin/sh failed for " + line + ": " + out);
    }
    String program = command.substring(0, command.indexOf(' '));
    List<String> words = new java.util.ArrayList<>(List.of(program));
    if (!out.isEmpty()) {
      words.addAll(Arrays.asList(out.substring(0, out.length() - 1).split("\0", -1)));
    }
    return words;
  }
}
