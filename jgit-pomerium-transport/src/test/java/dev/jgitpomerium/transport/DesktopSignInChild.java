package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A desktop program with no console (an IDE, a script started from a desktop session): run by {@link
 * SignInWithoutAConsoleTest} in its own JVM, with standard input from /dev/null. Everything about the sign-in is the
 * library's default: the system browser, the process's real environment (its DISPLAY), {@code System.console()}.
 * Arguments: the gateway URL, its CA file, the token cache directory. Prints "tunnel open" on success.
 */
public final class DesktopSignInChild {
  private DesktopSignInChild() {}

  public static void main(String[] args) throws Exception {
    String gatewayUrl = args[0];
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builder()
        .route(Testbed.HOST + ":22")
        .pomeriumUrl(gatewayUrl)
        .addCaCertificates(Path.of(args[1]))
        .tokenStore(TokenStore.directory(Path.of(args[2])))
        .signInTimeout(Duration.ofSeconds(60));
    new TunnelDialer(builder.settings()).open(Route.parse(Testbed.HOST + ":22", gatewayUrl)).close();
    System.out.println("tunnel open");
  }
}
