package dev.jgitpomerium.sample;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main command: the demo runs end to end with no network and no set-up. */
class DemoTest {
  @TempDir Path work;

  @Test
  void demoClonesPushesAndFetchesThroughTheEmbeddedGateway() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DemoCommand.demo(work, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("ok: clone has the server's commit"), out);
    assertTrue(out.contains("ok: the server has the pushed commit"), out);
    assertTrue(out.contains("ok: fetch got it"), out);
    assertTrue(out.contains("Signed in to Pomerium at https://localhost:"), out);
    assertTrue(out.contains("Pomerium saw 2 CONNECT requests and 1 sign-in: "), out);
    assertTrue(out.endsWith("Demo OK: clone, push and fetch went through the Pomerium tunnel.\n"), out);
  }
}
