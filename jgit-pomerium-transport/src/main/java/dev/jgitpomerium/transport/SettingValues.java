package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.config.SystemConfiguration;
import dev.jgitpomerium.transport.internal.reuse.ReusePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Applies settings that {@link SystemConfiguration} parsed (from system properties, environment variables or a
 * configuration source of the application's) to a {@link PomeriumSshSessionFactory.Builder}, through its public
 * setters, so that they are checked exactly as calls in code are. The internal side parses; only this public side
 * touches the Builder.
 */
final class SettingValues {
  private SettingValues() {}

  /**
   * Applies {@code values} in their order.
   *
   * @throws InvalidSettingException naming the first setting that cannot be parsed or used
   */
  static PomeriumSshSessionFactory.Builder apply(PomeriumSshSessionFactory.Builder builder,
      List<SystemConfiguration.Value> values) {
    for (SystemConfiguration.Value value : values) {
      try {
        set(builder, value.key(), value.value(), value.describedAs());
      } catch (IllegalArgumentException e) {
        throw new InvalidSettingException(value.key().setting, value.describedAs(), e.getMessage(), e);
      }
    }
    return builder;
  }

  @SuppressWarnings("unchecked")
  private static void set(PomeriumSshSessionFactory.Builder b, SystemConfiguration.Key key, Object value,
      String describedAs) {
    switch (key) {
      case ROUTES -> ((List<String>) value).forEach(b::route);
      case POMERIUM_URL -> b.pomeriumUrl((String) value);
      case TOKEN -> b.token((String) value);
      case TOKEN_FILE -> b.tokenFile((Path) value);
      case BEARER_TOKEN -> b.bearerToken((String) value);
      case BEARER_TOKEN_FILE -> b.bearerTokenFile((Path) value);
      case TOKEN_COMMAND -> b.tokenCommand((String) value);
      case TOKEN_CACHE -> b.tokenStore((TokenStore) value);
      case BROWSER_COMMAND -> b.browserCommand((String) value);
      case NO_BROWSER -> {
        if ((Boolean) value) {
          b.noBrowser();
        }
      }
      case INTERACTIVE -> b.interactive((Boolean) value);
      case SIGN_IN_TIMEOUT -> b.signInTimeout((Duration) value);
      case CA_FILE -> b.addCaCertificates((Path) value);
      case CLIENT_CERT -> {
        List<Path> files = (List<Path>) value;
        b.clientCertificate(files.get(0), files.get(1));
      }
      case CLIENT_KEY -> throw new AssertionError("a client key comes with its certificate");
      case DISABLE_TLS_VERIFICATION -> {
        if ((Boolean) value) {
          b.disableTlsVerification();
        }
      }
      case CONNECT_TIMEOUT -> b.connectTimeout((Duration) value);
      case RESPONSE_TIMEOUT -> b.responseTimeout((Duration) value);
      case SERVER_ALIVE_INTERVAL -> b.serverAliveInterval((Duration) value);
      case SERVER_ALIVE_COUNT_MAX -> b.serverAliveCountMax((Integer) value);
      case CLIENT_CERT_PKCS12 -> {
        SystemConfiguration.Pkcs12 p12 = (SystemConfiguration.Pkcs12) value;
        if (p12.passwordFile() != null) {
          b.clientCertificatePkcs12(p12.file(), p12.passwordFile());
        } else {
          b.clientCertificatePkcs12(p12.file(), p12.password() != null ? p12.password() : new char[0]);
        }
      }
      case CLIENT_CERT_PASSWORD, CLIENT_CERT_PASSWORD_FILE ->
          throw new AssertionError("a client certificate password comes with its PKCS#12 file");
      case CLIENT_CERT_FROM_STORE -> {
        if ((Boolean) value) {
          b.clientCertificateFromStore();
        }
      }
      case CLIENT_CERT_ISSUER -> b.clientCertificateIssuer((String) value);
      case CLIENT_CERT_SUBJECT -> b.clientCertificateSubject((String) value);
      case GITHUB_OIDC -> {
        if ((Boolean) value) {
          b.githubActionsOidcToken();
        }
      }
      case GITHUB_OIDC_AUDIENCE -> b.githubActionsOidcToken((String) value);
      case BEARER_TOKEN_ENV -> b.bearerTokenFromEnvironment((String) value);
      case KUBERNETES_TOKEN_FILE -> b.kubernetesServiceAccountToken((Path) value);
      case FORWARD_PROXY -> b.forwardProxy((String) value, describedAs);
      case CONNECTION_REUSE -> {
        ReusePolicy policy = (ReusePolicy) value;
        if (policy.enabled()) {
          b.connectionReuse(policy.keepIdle());
        } else {
          b.noConnectionReuse();
        }
      }
      default -> throw new AssertionError(key);
    }
  }
}
