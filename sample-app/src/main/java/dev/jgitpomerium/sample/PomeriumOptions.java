package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every command shares, named and meaning as pomerium-cli's where they overlap, so that a pomerium-cli
 * command line (or a ProxyCommand in ~/.ssh/config) carries over unchanged.
 */
public final class PomeriumOptions {
  @Option(names = "--pomerium-url", paramLabel = "URL",
      description = "Pomerium's address, e.g. https://pomerium.corp.example.com (default: the route's own host, "
          + "port 443)")
  String pomeriumUrl;

  @Option(names = "--route", paramLabel = "ROUTE",
      description = "An SSH host behind Pomerium: host:port, tcp+https://host:port or "
          + "tcp+https://pomerium[:port]/host:port. Repeatable. Default: the destination, when --pomerium-url is given "
          + "or ~/.ssh/config sends it through pomerium-cli")
  List<String> routes = new ArrayList<>();

  @Option(names = "--alternate-ca-path", paramLabel = "FILE",
      description = "Also trust the CA certificates in this PEM file")
  Path alternateCaPath;

  @Option(names = "--ca-cert", paramLabel = "BASE64",
      description = "Also trust this base64-encoded PEM CA certificate (as pomerium-cli's)")
  String caCert;

  @Option(names = "--client-cert", paramLabel = "FILE", description = "Client certificate (PEM) for mTLS")
  Path clientCert;

  @Option(names = "--client-key", paramLabel = "FILE", description = "Client key (PEM) for mTLS")
  Path clientKey;

  @Option(names = "--disable-tls-verification",
      description = "Accept any certificate from Pomerium (insecure: anyone on the path can take your token)")
  boolean disableTlsVerification;

  @Option(names = "--browser-cmd", paramLabel = "COMMAND",
      description = "Open the sign-in page with this command instead of the desktop browser")
  String browserCmd;

  @Option(names = "--no-browser",
      description = "Do not open a browser: show the sign-in address and read back where the browser ended")
  boolean noBrowser;

  @Option(names = "--service-account", paramLabel = "JWT", description = "A Pomerium service-account token")
  String serviceAccount;

  @Option(names = "--service-account-file", paramLabel = "FILE",
      description = "A file holding a Pomerium service-account token (read at each connection)")
  Path serviceAccountFile;

  @Option(names = "--forward-proxy", paramLabel = "URL",
      description = "Reach Pomerium through this forward proxy: http://, https://, socks5:// or socks5h://"
          + "[user:password@]host:port, or 'direct' for none (default: -Dhttps.proxyHost, else HTTPS_PROXY, ALL_PROXY"
          + " with NO_PROXY)")
  String forwardProxy;

  /**
   * Applies these options to {@code builder} (preset from the environment), routing {@code destinations}
   * ({@code host:port}) unless --route names others.
   */
  PomeriumSshSessionFactory.Builder applyTo(PomeriumSshSessionFactory.Builder builder, List<String> destinations) {
    if (pomeriumUrl != null) {
      builder.pomeriumUrl(pomeriumUrl);
    }
    for (String route : routes.isEmpty() ? destinations : routes) {
      builder.route(route);
    }
    if (alternateCaPath != null) {
      builder.addCaCertificates(alternateCaPath);
    }
    if (caCert != null) {
      String pem;
      try {
        pem = new String(Base64.getMimeDecoder().decode(caCert.strip()), StandardCharsets.US_ASCII);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--ca-cert is not base64: " + e.getMessage(), e);
      }
      builder.addCaCertificatesPem(pem);
    }
    if (clientCert != null || clientKey != null) {
      if (clientCert == null || clientKey == null) {
        throw new IllegalArgumentException("--client-cert and --client-key go together");
      }
      builder.clientCertificate(clientCert, clientKey);
    }
    if (disableTlsVerification) {
      builder.disableTlsVerification();
    }
    if (browserCmd != null) {
      builder.browserCommand(browserCmd);
    }
    if (noBrowser) {
      builder.noBrowser();
    }
    if (serviceAccount != null) {
      builder.token(serviceAccount);
    }
    if (serviceAccountFile != null) {
      builder.tokenFile(serviceAccountFile);
    }
    if (forwardProxy != null) {
      builder.forwardProxy(forwardProxy, "--forward-proxy");
    }
    return builder;
  }

  /** Whether the user said where Pomerium is or which hosts it serves. */
  boolean namesPomerium() {
    return pomeriumUrl != null || !routes.isEmpty();
  }
}
