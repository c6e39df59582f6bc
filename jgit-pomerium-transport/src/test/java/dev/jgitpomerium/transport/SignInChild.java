package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A second process that needs the same sign-in: run by {@link TwoProcessSignInTest} in its own JVM. Arguments: the
 * gateway URL, its CA file, the token cache directory. Prints "tunnel open" on success.
 */
public final class SignInChild {
  private SignInChild() {}

  public static void main(String[] args) throws Exception {
    String gatewayUrl = args[0];
    Path ca = Path.of(args[1]);
    Path cache = Path.of(args[2]);
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builder()
        .route(Testbed.HOST + ":22")
        .pomeriumUrl(gatewayUrl)
        .addCaCertificates(ca)
        .tokenStore(TokenStore.directory(cache))
        .browserLauncher(url -> {
          throw new java.io.IOException("the second process must not open a browser");
        })
        .interactive(true)
        .console(null, new PrintStream(System.err, true, "UTF-8"));
    Route route = Route.parse(Testbed.HOST + ":22", gatewayUrl);
    new TunnelDialer(builder.settings()).open(route).close();
    System.out.println("tunnel open");
  }
}
