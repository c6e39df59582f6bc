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

  @Option(names = "--client-cert-pkcs12", paramLabel = "FILE",
      description = "Client certificate and key for mTLS in a PKCS#12 file (.p12, .pfx); its password from "
          + "--client-cert-password-file, else JGIT_POMERIUM_CLIENT_CERT_PASSWORD_FILE or "
          + "JGIT_POMERIUM_CLIENT_CERT_PASSWORD, else none")
  Path clientCertPkcs12;

  @Option(names = "--client-cert-password-file", paramLabel = "FILE",
      description = "A file whose first line is the --client-cert-pkcs12 file's password (never give the password "
          + "itself on the command line: it shows in process listings)")
  Path clientCertPasswordFile;

  @Option(names = "--client-cert-from-store",
      description = "Take the client certificate from the system's store: the macOS keychain or the Windows personal "
          + "store (as pomerium-cli's; not on Linux)")
  boolean clientCertFromStore;

  @Option(names = "--client-cert-issuer", paramLabel = "ATTR=VALUE",
      description = "Choose the store's (or PKCS#12 file's) client certificate by an attribute of its issuer, e.g. "
          + "\"CN=Corp Device CA\" (as pomerium-cli's)")
  String clientCertIssuer;

  @Option(names = "--client-cert-subject", paramLabel = "ATTR=VALUE",
      description = "Choose it by an attribute of its subject, e.g. \"CN=alice\" or \"O=Example\" (as pomerium-cli's)")
  String clientCertSubject;

  @Option(names = "--github-oidc",
      description = "In a GitHub Actions job with 'permissions: id-token: write': send the job's OIDC token, "
          + "requested for each connection (audience: the Pomerium URL, or --github-oidc-audience)")
  boolean githubOidc;

  @Option(names = "--github-oidc-audience", paramLabel = "AUDIENCE",
      description = "The audience of the GitHub Actions OIDC token (implies --github-oidc)")
  String githubOidcAudience;

  @Option(names = "--bearer-token-env", paramLabel = "VARIABLE",
      description = "Send the identity token the CI put in this environment variable (read at each connection)")
  String bearerTokenEnv;

  @Option(names = "--kubernetes-token-file", paramLabel = "FILE",
      description = "Send the projected Kubernetes service-account token in this file (read at each connection)")
  Path kubernetesTokenFile;

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
    applyClientCertificateSources(builder);
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
    if ((githubOidc || githubOidcAudience != null ? 1 : 0) + (bearerTokenEnv != null ? 1 : 0)
        + (kubernetesTokenFile != null ? 1 : 0) > 1) {
      throw new IllegalArgumentException("--github-oidc, --bearer-token-env and --kubernetes-token-file each name the "
          + "identity token to send: give only one");
    }
    String identityFlag = githubOidcAudience != null ? "--github-oidc-audience" : githubOidc ? "--github-oidc"
        : bearerTokenEnv != null ? "--bearer-token-env"
        : kubernetesTokenFile != null ? "--kubernetes-token-file" : null;
    String serviceAccountFlag = serviceAccount != null ? "--service-account"
        : serviceAccountFile != null ? "--service-account-file" : null;
    if (identityFlag != null && serviceAccountFlag != null) {
      // Flags given together are one intent; only a flag over an environment setting is precedence.
      throw new IllegalArgumentException(identityFlag + " and " + serviceAccountFlag + " name two tokens to send: "
          + "give only one");
    }
    if (githubOidcAudience != null) {
      if (githubOidcAudience.isBlank()) {
        throw new IllegalArgumentException("--github-oidc-audience is empty: give the audience the Pomerium route "
            + "expects");
      }
      builder.githubActionsOidcToken(githubOidcAudience);
    } else if (githubOidc) {
      builder.githubActionsOidcToken();
    }
    if (bearerTokenEnv != null) {
      builder.bearerTokenFromEnvironment(bearerTokenEnv);
    }
    if (kubernetesTokenFile != null) {
      builder.kubernetesServiceAccountToken(kubernetesTokenFile);
    }
    if (forwardProxy != null) {
      builder.forwardProxy(forwardProxy, "--forward-proxy");
    }
    return builder;
  }

  private void applyClientCertificateSources(PomeriumSshSessionFactory.Builder builder) {
    int sources = (clientCert != null ? 1 : 0) + (clientCertPkcs12 != null ? 1 : 0) + (clientCertFromStore ? 1 : 0);
    if (sources > 1) {
      throw new IllegalArgumentException("--client-cert, --client-cert-pkcs12 and --client-cert-from-store are "
          + "three ways to give the client certificate: use one");
    }
    if (clientCertPkcs12 != null) {
      String passwordFile = System.getenv("JGIT_POMERIUM_CLIENT_CERT_PASSWORD_FILE");
      String password = System.getenv("JGIT_POMERIUM_CLIENT_CERT_PASSWORD");
      try {
        if (clientCertPasswordFile != null) {
          builder.clientCertificatePkcs12(clientCertPkcs12, clientCertPasswordFile);
        } else if (passwordFile != null && !passwordFile.isBlank()) {
          builder.clientCertificatePkcs12(clientCertPkcs12, Path.of(passwordFile.strip()));
        } else {
          builder.clientCertificatePkcs12(clientCertPkcs12, password == null ? new char[0] : password.toCharArray());
        }
      } catch (IllegalArgumentException e) {
        throw inCommandLineTerms(e);
      }
    } else if (clientCertPasswordFile != null) {
      throw new IllegalArgumentException("--client-cert-password-file is the password of a --client-cert-pkcs12 file, "
          + "and none is given");
    }
    if (clientCertFromStore) {
      builder.clientCertificateFromStore();
    }
    if (clientCertIssuer != null) {
      builder.clientCertificateIssuer(clientCertIssuer);
    }
    if (clientCertSubject != null) {
      builder.clientCertificateSubject(clientCertSubject);
    }
  }

  /**
   * The library's PKCS#12 failures that name its own ways to give a password or a PEM pair, in this command's terms
   * (the library's words are matched: it has no failure type for these).
   */
  private IllegalArgumentException inCommandLineTerms(IllegalArgumentException e) {
    String message = String.valueOf(e.getMessage());
    if (message.startsWith(clientCertPkcs12 + " needs a password, and none was given")) {
      return new IllegalArgumentException(clientCertPkcs12 + " needs a password: give --client-cert-password-file "
          + "FILE or JGIT_POMERIUM_CLIENT_CERT_PASSWORD(_FILE)", e);
    }
    if (message.startsWith(clientCertPkcs12 + " is not a PKCS#12 file (it looks like PEM")) {
      return new IllegalArgumentException(clientCertPkcs12 + " is not a PKCS#12 file (it looks like PEM: use "
          + "--client-cert/--client-key)", e);
    }
    return e;
  }

  /** Whether the user said where Pomerium is or which hosts it serves. */
  boolean namesPomerium() {
    return pomeriumUrl != null || !routes.isEmpty();
  }

  /**
   * These options as a command line gives them again, for a command a message suggests: files by path, names as
   * given, but never a secret: a --service-account token becomes {@code --service-account-file TOKEN_FILE} and a
   * --forward-proxy URL with credentials is left out; {@code notes} says so.
   */
  Restated restated() {
    List<String> args = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (pomeriumUrl != null) {
      args.addAll(List.of("--pomerium-url", pomeriumUrl));
    }
    routes.forEach(route -> args.addAll(List.of("--route", route)));
    if (alternateCaPath != null) {
      args.addAll(List.of("--alternate-ca-path", alternateCaPath.toString()));
    }
    if (caCert != null) {
      args.addAll(List.of("--ca-cert", caCert.strip()));
    }
    if (clientCert != null && clientKey != null) {
      args.addAll(List.of("--client-cert", clientCert.toString(), "--client-key", clientKey.toString()));
    }
    if (clientCertPkcs12 != null) {
      args.addAll(List.of("--client-cert-pkcs12", clientCertPkcs12.toString()));
    }
    if (clientCertPasswordFile != null) {
      args.addAll(List.of("--client-cert-password-file", clientCertPasswordFile.toString()));
    }
    if (clientCertFromStore) {
      args.add("--client-cert-from-store");
    }
    if (clientCertIssuer != null) {
      args.addAll(List.of("--client-cert-issuer", clientCertIssuer));
    }
    if (clientCertSubject != null) {
      args.addAll(List.of("--client-cert-subject", clientCertSubject));
    }
    if (disableTlsVerification) {
      args.add("--disable-tls-verification");
    }
    if (serviceAccount != null) {
      args.addAll(List.of("--service-account-file", "TOKEN_FILE"));
      notes.add("TOKEN_FILE: a file holding the --service-account token, which is never shown");
    }
    if (serviceAccountFile != null) {
      args.addAll(List.of("--service-account-file", serviceAccountFile.toString()));
    }
    if (githubOidc && githubOidcAudience == null) {
      args.add("--github-oidc");
    }
    if (githubOidcAudience != null) {
      args.addAll(List.of("--github-oidc-audience", githubOidcAudience));
    }
    if (bearerTokenEnv != null) {
      args.addAll(List.of("--bearer-token-env", bearerTokenEnv));
    }
    if (kubernetesTokenFile != null) {
      args.addAll(List.of("--kubernetes-token-file", kubernetesTokenFile.toString()));
    }
    if (forwardProxy != null && forwardProxy.contains("@")) {
      notes.add("the --forward-proxy URL holds credentials, so it is left out: give it as JGIT_POMERIUM_FORWARD_PROXY "
          + "in the environment");
    } else if (forwardProxy != null) {
      args.addAll(List.of("--forward-proxy", forwardProxy));
    }
    return new Restated(args, notes);
  }

  /** Options as {@link #restated()} gives them, and what was left out or stands for a secret. */
  record Restated(List<String> args, List<String> notes) {
    /** The arguments as a POSIX shell reads them, quoted where needed. */
    String shellWords() {
      return args.stream().map(Restated::quoted).collect(java.util.stream.Collectors.joining(" "));
    }

    static String quoted(String word) {
      return word.matches("[A-Za-z0-9_@%+=:,./-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }
  }
}
