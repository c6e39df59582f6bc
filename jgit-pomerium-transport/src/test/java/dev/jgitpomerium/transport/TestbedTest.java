package dev.jgitpomerium.transport;

import dev.jgitpomerium.testkit.PomeriumGateway;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.eclipse.jgit.util.FS;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Base for tests against a running {@link Testbed}; checks that each test leaves no thread or socket behind. */
@ExtendWith(NoLeaks.class)
abstract class TestbedTest {
  @TempDir Path dir;
  Testbed testbed;
  private File previousUserHome;

  @BeforeEach
  final void startTestbed() throws IOException {
    testbed = Testbed.start(dir);
  }

  @AfterEach
  final void stopTestbed() {
    if (previousUserHome != null) {
      FS.DETECTED.setUserHome(previousUserHome);
    }
    testbed.close();
  }

  /** Replaces the testbed with one whose gateway has extra options. */
  final void restartTestbed(String name, Consumer<PomeriumGateway.Builder> gatewayOptions) throws IOException {
    testbed.close();
    testbed = Testbed.start(dir.resolve(name), gatewayOptions);
  }

  /**
   * Makes the testbed's home JGit's user home, for code that does not tell its factory where {@code .ssh} is
   * (ServiceLoader and {@code setInstance} users, the README snippet). Restored after the test.
   */
  final void useTestbedHomeAsUserHome() {
    previousUserHome = FS.DETECTED.userHome();
    FS.DETECTED.setUserHome(testbed.home.toFile());
  }
}
