package dev.jgitpomerium.transport.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * OpenSSH's read_passphrase rules (readpass.c) as {@link Askpass#decide} applies them, for every combination the
 * end-to-end tests cannot all afford: SSH_ASKPASS_REQUIRE, a display, and a controlling terminal.
 */
class AskpassRulesTest {
  private static UnaryOperator<String> env(String... pairs) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map::get;
  }

  private static Askpass.Choice choice(boolean terminal, String... pairs) {
    return Askpass.decide(env(pairs), terminal).choice();
  }

  @Test
  void forceUsesAskpassWithOrWithoutATerminalOrDisplay() {
    assertEquals(Askpass.Choice.ASKPASS, choice(true, "SSH_ASKPASS_REQUIRE", "force"));
    assertEquals(Askpass.Choice.ASKPASS, choice(false, "SSH_ASKPASS_REQUIRE", "FORCE"));
  }

  @Test
  void preferUsesAskpassOnlyWithADisplay() {
    assertEquals(Askpass.Choice.ASKPASS, choice(true, "SSH_ASKPASS_REQUIRE", "prefer", "DISPLAY", ":0"));
    assertEquals(Askpass.Choice.ASKPASS, choice(true, "SSH_ASKPASS_REQUIRE", "prefer", "WAYLAND_DISPLAY", "w-0"));
    assertEquals(Askpass.Choice.TERMINAL, choice(true, "SSH_ASKPASS_REQUIRE", "prefer"));
    assertEquals(Askpass.Choice.NONE, choice(false, "SSH_ASKPASS_REQUIRE", "prefer"));
  }

  @Test
  void neverUsesTheTerminalOrNothing() {
    assertEquals(Askpass.Choice.TERMINAL, choice(true, "SSH_ASKPASS_REQUIRE", "never", "DISPLAY", ":0"));
    assertEquals(Askpass.Choice.NONE, choice(false, "SSH_ASKPASS_REQUIRE", "never", "DISPLAY", ":0"));
  }

  @Test
  void withoutRequireTheTerminalWinsElseAskpassWithADisplay() {
    assertEquals(Askpass.Choice.TERMINAL, choice(true, "DISPLAY", ":0", "SSH_ASKPASS", "/bin/echo"));
    assertEquals(Askpass.Choice.ASKPASS, choice(false, "DISPLAY", ":0"));
    assertEquals(Askpass.Choice.NONE, choice(false, "SSH_ASKPASS", "/bin/echo"));
    // An empty variable is no display, as OpenSSH reads it.
    assertEquals(Askpass.Choice.NONE, choice(false, "DISPLAY", "", "SSH_ASKPASS", "/bin/echo"));
  }

  @Test
  void theProgramIsSshAskpassElseOpenSshsDefault() {
    assertEquals("/bin/echo", Askpass.decide(env("SSH_ASKPASS", "/bin/echo", "DISPLAY", ":0"), false).program());
    assertEquals("/usr/bin/ssh-askpass", Askpass.decide(env("DISPLAY", ":0"), false).program());
    assertNull(Askpass.decide(env(), true).program());
  }

  @Test
  void theAnswerIsWhatTheProgramPrintsUpToTheLineEndAndAFailureIsNoAnswer() {
    assertEquals("a b", Askpass.run("/bin/echo", "a b"));
    assertEquals("", Askpass.run("/bin/echo", ""));
    assertNull(Askpass.run("/bin/false", "prompt"));
    assertNull(Askpass.run("/nonexistent/askpass", "prompt"));
  }
}
