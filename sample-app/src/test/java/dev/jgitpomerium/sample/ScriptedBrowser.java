package dev.jgitpomerium.sample;

import dev.jgitpomerium.testkit.FakeBrowser;
import java.io.InputStream;
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
 * <p>Usage: {@code ScriptedBrowser <ca.pem> <sign-in URL>}. Exits 0 when the visit ends in a 2xx page. Prints only the
 * final status, never a URL (the callback URL carries the token).
 */
public final class ScriptedBrowser {
  private ScriptedBrowser() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ScriptedBrowser <ca.pem> <sign-in URL>");
      System.exit(2);
    }
    FakeBrowser.Result result = FakeBrowser.visit(args[1], trusting(Path.of(args[0])));
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
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String text = "#!/bin/sh\n"
        + "exec " + quote(java) + " -cp " + quote(classPath) + " " + ScriptedBrowser.class.getName() + " "
        + quote(caFile.toString()) + " \"$1\" >>" + quote(log.toString()) + " 2>&1\n";
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
