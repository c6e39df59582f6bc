package dev.jgitpomerium.sample;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Base for command-line tests against a running {@link CliTestbed}, started before and closed after each test. */
abstract class CliTestbedTest {
  @TempDir Path dir;
  CliTestbed testbed;

  @BeforeEach
  final void startTestbed() throws Exception {
    testbed = CliTestbed.start(dir);
  }

  @AfterEach
  final void stopTestbed() {
    testbed.close();
  }
}
