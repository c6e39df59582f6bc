package dev.jgitpomerium.sample;

import dev.jgitpomerium.testkit.FakeBrowser;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A "browser" for {@code jgit.pomerium.browserCommand}, run in its own JVM by a small shell script: it follows the
 * sign-in URL (the testkit gateway's sign-in page completes by itself) back to the CLI's loopback callback, trusting
 * only the gateway's CA.
 *
 * <p>Usage: {@code ScriptedBrowser <ca.pem> [--https-proxy host:port] <sign-in URL>}. Exits 0 when the visit ends in a
 * 2xx page. Prints only the final status, never a URL (the callback URL carries the token). With {@code
 * --https-proxy} it fetches https URLs through that HTTP proxy, as a browser behind a corporate proxy does.
 */
public final class ScriptedBrowser {
  private ScriptedBrowser() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 && !(args.length == 4 && args[1].equals("--https-proxy"))) {
      System.err.println("usage: ScriptedBrowser <ca.pem> [--https-proxy host:port] <sign-in URL>");
      System.exit(2);
    }
    Proxy proxy = Proxy.NO_PROXY;
    if (args.length == 4) {
      int colon = args[2].lastIndexOf(':');
      proxy = new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(args[2].substring(0, colon),
          Integer.parseInt(args[2].substring(colon + 1))));
    }
    FakeBrowser.Result result = FakeBrowser.visit(args[args.length - 1], trusting(Path.of(args[0])), proxy);
    System.err.println("ScriptedBrowser: the sign-in ended with HTTP " + result.status() + " after "
        + result.visitedUrls().size() + " requests");
    System.exit(result.status() / 100 == 2 ? 0 : 1);
  }

  /** TLS that trusts the certificates in {@code caFile} and nothing else. */
  static SSLContext trusting(Path caFile) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int i = 0;
    try (InputStream in = Files.newInputStream(caFile)) {
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + i++, certificate);
      }
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  /**
   * Writes an executable script that runs this class in a new JVM with the test class path, trusting {@code caFile};
   * its output goes to {@code log}. The sign-in URL is the script's last (and only) argument, as browserCommand adds.
   */
  static Path writeScript(Path script, Path caFile, Path log) throws Exception {
    return writeScript(script, caFile, null, log);
  }

  /** Like {@link #writeScript(Path, Path, Path)}, the browser fetching https URLs through {@code httpsProxy}. */
  static Path writeScript(Path script, Path caFile, InetSocketAddress httpsProxy, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String proxy = httpsProxy == null ? ""
        : " --https-proxy " + quote(httpsProxy.getHostString() + ":" + httpsProxy.getPort());
    String text = "#!/bin/sh\n"
        + "exec " + quote(java) + " -cp " + quote(classPath) + " " + ScriptedBrowser.class.getName() + " "
        + quote(caFile.toString()) + proxy + " \"$1\" >>" + quote(log.toString()) + " 2>&1\n";
    Files.writeString(script, text);
    if (!script.toFile().setExecutable(true, true)) {
      throw new IllegalStateException("cannot make " + script + " executable");
    }
    return script;
  }

  private static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
