package dev.jgitpomerium.transport;

import dev.jgitpomerium.testkit.FakeBrowser;
import dev.jgitpomerium.testkit.PomeriumGateway;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link BrowserLauncher} that behaves like a person's browser: it returns at once, and on its own thread follows
 * the sign-in page (which the testkit gateway completes by itself) back to the loopback callback.
 */
final class FakeBrowserLauncher implements BrowserLauncher {
  private final PomeriumGateway gateway;
  private final AtomicInteger opened = new AtomicInteger();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();

  FakeBrowserLauncher(PomeriumGateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public void open(URI signInUrl) {
    opened.incrementAndGet();
    Thread browser = new Thread(() -> {
      try {
        FakeBrowser.visit(signInUrl.toString(), gateway);
      } catch (Exception e) {
        failures.add(e);
      }
    }, "fake-browser-" + opened.get());
    browser.setDaemon(true);
    browser.start();
  }

  /** How many times a sign-in page was opened. */
  int opened() {
    return opened.get();
  }

  List<Throwable> failures() {
    return failures;
  }
}
