package dev.jgitpomerium.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code jgit.pomerium.*} properties: the settings of jgit-pomerium's system properties, under the same names
 * ({@code jgit.pomerium.tokenFile} and {@code jgit.pomerium.token-file} alike). Every value is a string that the
 * library parses and checks as it does its system properties, so a duration is {@code 10}, {@code 10s}, {@code
 * 500ms}, {@code 2m} or ISO-8601, and a switch is {@code true}/{@code false} (or yes/no, on/off, 1/0).
 *
 * <p>The auto-configuration binds these itself; this class is also the source of the IDE completion metadata.
 */
@ConfigurationProperties("jgit.pomerium")
public class PomeriumProperties {
  /** The library's setting names (as system properties) start with this. */
  static final String PREFIX = "jgit.pomerium.";

  /**
   * Whether to create the PomeriumSshSessionFactory bean when jgit.pomerium settings are given. Set false to keep the
   * settings and go without the bean.
   */
  private boolean enabled = true;

  /**
   * SSH hosts that go through Pomerium, in pomerium-cli's forms: host:port (usually git.corp.example.com:22),
   * tcp+https://host:port or tcp+https://pomerium-host[:port]/host:port. A list, or one string separated by commas or
   * spaces.
   */
  private List<String> routes = new ArrayList<>();

  /** Pomerium's URL for every route, e.g. https://pomerium.corp.example.com (pomerium-cli's --pomerium-url). */
  private String url;

  /**
   * A Pomerium service-account JWT itself. Prefer token-file (a mounted secret, read at each connect); this one suits
   * a secret store or the environment variable JGIT_POMERIUM_TOKEN. Never logged.
   */
  private String token;

  /** File holding a Pomerium service-account JWT, read again at each connect, so a rotated token is picked up. */
  private String tokenFile;

  /**
   * An identity-provider token itself, sent as Authorization: Bearer, for routes with bearer_token_format. Never
   * logged.
   */
  private String bearerToken;

  /** File holding an identity-provider token, read at each connect, sent as Authorization: Bearer. */
  private String bearerTokenFile;

  /**
   * Shell command line run at each connect that prints a Pomerium JWT, e.g. "pomerium-cli auth
   * https://pomerium.corp.example.com:443".
   */
  private String tokenCommand;

  /**
   * Where signed-in tokens are kept: a directory (pomerium-cli's file format), or "memory" for none on disk. Default:
   * pomerium-cli's own cache.
   */
  private String tokenCache;

  /** Command line that opens the sign-in page; the address is added as its last argument. */
  private String browserCommand;

  /** Never start a browser for a sign-in (true or false). */
  private String noBrowser;

  /**
   * Whether a sign-in may wait for a person (true or false). Unset: decided by the CI variables, a display and the
   * console. A server that has a token needs neither.
   */
  private String interactive;

  /** The whole interactive sign-in, at most 1 h, e.g. 5m. Default 5 minutes. */
  private String signInTimeout;

  /** Extra CA certificates (PEM file) trusted for Pomerium's TLS certificate, in addition to the JVM's. */
  private String caFile;

  /** mTLS client certificate (PEM file); needs client-key too. */
  private String clientCert;

  /** mTLS client key (PEM file: PKCS#8, PKCS#1 RSA or SEC1 EC); needs client-cert too. */
  private String clientKey;

  /**
   * Accept any TLS certificate from Pomerium (true or false). Anyone on the network path could then take the token; a
   * warning is logged at every connection. For test set-ups only.
   */
  private String disableTlsVerification;

  /** Bound on the TCP connect to Pomerium, e.g. 10s or 500ms (a bare number is seconds). Default 10 s. */
  private String connectTimeout;

  /** Bound on the TLS handshake plus Pomerium's whole answer to CONNECT, e.g. 15s. Default 15 s. */
  private String responseTimeout;

  /**
   * SSH keepalive interval while a session is open, as OpenSSH's ServerAliveInterval; 0 sends none. Default: the
   * host's ServerAliveInterval in ~/.ssh/config, else 30 s.
   */
  private String serverAliveInterval;

  /**
   * Unanswered keepalives before a session is closed as dead, as OpenSSH's ServerAliveCountMax. Default: the host's
   * ServerAliveCountMax in ~/.ssh/config, else 3.
   */
  private String serverAliveCountMax;

  /**
   * A PKCS#12 file (.p12, .pfx) holding the mTLS client certificate and its key, instead of client-cert and
   * client-key; its password from client-cert-password-file or client-cert-password (none: an empty password).
   */
  private String clientCertPkcs12;

  /** The PKCS#12 file's password itself. Prefer client-cert-password-file (a mounted secret). Never logged. */
  private String clientCertPassword;

  /** File whose first line is the PKCS#12 file's password. */
  private String clientCertPasswordFile;

  /**
   * Take the mTLS client certificate from the operating system's store, as pomerium-cli's --client-cert-from-store:
   * the macOS keychain or the Windows personal store (true or false). Not available on Linux.
   */
  private String clientCertFromStore;

  /**
   * Chooses the client certificate of the PKCS#12 file or the store by its issuer, attribute=value, e.g. "CN=Corp
   * Device CA" (pomerium-cli's --client-cert-issuer).
   */
  private String clientCertIssuer;

  /** Chooses the client certificate by its subject, attribute=value, e.g. "CN=alice" (--client-cert-subject). */
  private String clientCertSubject;

  /**
   * In a GitHub Actions job with "permissions: id-token: write": send the job's OIDC token, requested for every
   * connection (true or false), for routes with bearer_token_format: jwt. Its audience is github-oidc-audience, else
   * the Pomerium URL.
   */
  private String githubOidc;

  /** The audience of the GitHub Actions OIDC token (implies github-oidc). Default: the Pomerium URL. */
  private String githubOidcAudience;

  /**
   * Name of the environment variable in which the CI puts its identity token (GitLab's id_tokens,
   * CIRCLE_OIDC_TOKEN_V2), read at each connect, sent as Authorization: Bearer.
   */
  private String bearerTokenEnv;

  /** File holding a projected Kubernetes service-account token, read at each connect, sent as Authorization: Bearer. */
  private String kubernetesTokenFile;

  /**
   * The forward proxy on the way to Pomerium ({@code http://}, {@code https://}, {@code socks5://} or {@code
   * socks5h://}, with optional {@code user:password@}), or {@code direct} for none. Default: the JVM's proxy
   * settings, else HTTPS_PROXY / ALL_PROXY with NO_PROXY.
   */
  private String forwardProxy;

  /**
   * Whether operations to the same host share an SSH connection: {@code no}, {@code yes}, or how long an idle one is
   * kept ({@code 30s}, {@code 10m}). Default: shared, kept 60 s, unless the host's ssh config says otherwise.
   */
  private String connectionReuse;

  /** The values by the library's setting names ({@code jgit.pomerium.tokenFile}); null where unset. */
  Map<String, String> settings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(PREFIX + "routes", routes == null || routes.isEmpty() ? null : String.join(",", routes));
    settings.put(PREFIX + "url", url);
    settings.put(PREFIX + "token", token);
    settings.put(PREFIX + "tokenFile", tokenFile);
    settings.put(PREFIX + "bearerToken", bearerToken);
    settings.put(PREFIX + "bearerTokenFile", bearerTokenFile);
    settings.put(PREFIX + "tokenCommand", tokenCommand);
    settings.put(PREFIX + "tokenCache", tokenCache);
    settings.put(PREFIX + "browserCommand", browserCommand);
    settings.put(PREFIX + "noBrowser", noBrowser);
    settings.put(PREFIX + "interactive", interactive);
    settings.put(PREFIX + "signInTimeout", signInTimeout);
    settings.put(PREFIX + "caFile", caFile);
    settings.put(PREFIX + "clientCert", clientCert);
    settings.put(PREFIX + "clientKey", clientKey);
    settings.put(PREFIX + "disableTlsVerification", disableTlsVerification);
    settings.put(PREFIX + "connectTimeout", connectTimeout);
    settings.put(PREFIX + "responseTimeout", responseTimeout);
    settings.put(PREFIX + "serverAliveInterval", serverAliveInterval);
    settings.put(PREFIX + "serverAliveCountMax", serverAliveCountMax);
    settings.put(PREFIX + "clientCertPkcs12", clientCertPkcs12);
    settings.put(PREFIX + "clientCertPassword", clientCertPassword);
    settings.put(PREFIX + "clientCertPasswordFile", clientCertPasswordFile);
    settings.put(PREFIX + "clientCertFromStore", clientCertFromStore);
    settings.put(PREFIX + "clientCertIssuer", clientCertIssuer);
    settings.put(PREFIX + "clientCertSubject", clientCertSubject);
    settings.put(PREFIX + "githubOidc", githubOidc);
    settings.put(PREFIX + "githubOidcAudience", githubOidcAudience);
    settings.put(PREFIX + "bearerTokenEnv", bearerTokenEnv);
    settings.put(PREFIX + "kubernetesTokenFile", kubernetesTokenFile);
    settings.put(PREFIX + "forwardProxy", forwardProxy);
    settings.put(PREFIX + "connectionReuse", connectionReuse);
    return settings;
  }

  /** {@code jgit.pomerium.enabled}: whether to create the factory bean when settings are given. Default true. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets {@code jgit.pomerium.enabled}; false keeps the settings and goes without the bean. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** {@code jgit.pomerium.routes}, the SSH hosts that go through Pomerium, as given; empty when unset. */
  public List<String> getRoutes() {
    return routes;
  }

  /** Sets {@code jgit.pomerium.routes}: each element one route, or several separated by commas or spaces. */
  public void setRoutes(List<String> routes) {
    this.routes = routes;
  }

  /** {@code jgit.pomerium.url}, Pomerium's URL for every route, as given (not yet parsed); null when unset. */
  public String getUrl() {
    return url;
  }

  /** Sets {@code jgit.pomerium.url}; null unsets it. */
  public void setUrl(String url) {
    this.url = url;
  }

  /** {@code jgit.pomerium.token}, a Pomerium service-account JWT itself, as given (not yet parsed); null when unset. */
  public String getToken() {
    return token;
  }

  /** Sets {@code jgit.pomerium.token}; null unsets it. */
  public void setToken(String token) {
    this.token = token;
  }

  /**
   * {@code jgit.pomerium.token-file}, the file holding a Pomerium service-account JWT, as given (not yet parsed); null
   * when unset.
   */
  public String getTokenFile() {
    return tokenFile;
  }

  /** Sets {@code jgit.pomerium.token-file}; null unsets it. */
  public void setTokenFile(String tokenFile) {
    this.tokenFile = tokenFile;
  }

  /**
   * {@code jgit.pomerium.bearer-token}, an identity-provider token itself, as given (not yet parsed); null when unset.
   */
  public String getBearerToken() {
    return bearerToken;
  }

  /** Sets {@code jgit.pomerium.bearer-token}; null unsets it. */
  public void setBearerToken(String bearerToken) {
    this.bearerToken = bearerToken;
  }

  /**
   * {@code jgit.pomerium.bearer-token-file}, the file holding an identity-provider token, as given (not yet parsed);
   * null when unset.
   */
  public String getBearerTokenFile() {
    return bearerTokenFile;
  }

  /** Sets {@code jgit.pomerium.bearer-token-file}; null unsets it. */
  public void setBearerTokenFile(String bearerTokenFile) {
    this.bearerTokenFile = bearerTokenFile;
  }

  /**
   * {@code jgit.pomerium.token-command}, the command line that prints a Pomerium JWT, as given (not yet parsed); null
   * when unset.
   */
  public String getTokenCommand() {
    return tokenCommand;
  }

  /** Sets {@code jgit.pomerium.token-command}; null unsets it. */
  public void setTokenCommand(String tokenCommand) {
    this.tokenCommand = tokenCommand;
  }

  /** {@code jgit.pomerium.token-cache}, where signed-in tokens are kept, as given (not yet parsed); null when unset. */
  public String getTokenCache() {
    return tokenCache;
  }

  /** Sets {@code jgit.pomerium.token-cache}; null unsets it. */
  public void setTokenCache(String tokenCache) {
    this.tokenCache = tokenCache;
  }

  /**
   * {@code jgit.pomerium.browser-command}, the command line that opens the sign-in page, as given (not yet parsed);
   * null when unset.
   */
  public String getBrowserCommand() {
    return browserCommand;
  }

  /** Sets {@code jgit.pomerium.browser-command}; null unsets it. */
  public void setBrowserCommand(String browserCommand) {
    this.browserCommand = browserCommand;
  }

  /** {@code jgit.pomerium.no-browser}, whether never to start a browser, as given (not yet parsed); null when unset. */
  public String getNoBrowser() {
    return noBrowser;
  }

  /** Sets {@code jgit.pomerium.no-browser}; null unsets it. */
  public void setNoBrowser(String noBrowser) {
    this.noBrowser = noBrowser;
  }

  /**
   * {@code jgit.pomerium.interactive}, whether a sign-in may wait for a person, as given (not yet parsed); null when
   * unset.
   */
  public String getInteractive() {
    return interactive;
  }

  /** Sets {@code jgit.pomerium.interactive}; null unsets it. */
  public void setInteractive(String interactive) {
    this.interactive = interactive;
  }

  /**
   * {@code jgit.pomerium.sign-in-timeout}, the bound on an interactive sign-in, as given (not yet parsed); null when
   * unset.
   */
  public String getSignInTimeout() {
    return signInTimeout;
  }

  /** Sets {@code jgit.pomerium.sign-in-timeout}; null unsets it. */
  public void setSignInTimeout(String signInTimeout) {
    this.signInTimeout = signInTimeout;
  }

  /**
   * {@code jgit.pomerium.ca-file}, extra CA certificates for Pomerium's TLS, as given (not yet parsed); null when
   * unset.
   */
  public String getCaFile() {
    return caFile;
  }

  /** Sets {@code jgit.pomerium.ca-file}; null unsets it. */
  public void setCaFile(String caFile) {
    this.caFile = caFile;
  }

  /** {@code jgit.pomerium.client-cert}, the mTLS client certificate, as given (not yet parsed); null when unset. */
  public String getClientCert() {
    return clientCert;
  }

  /** Sets {@code jgit.pomerium.client-cert}; null unsets it. */
  public void setClientCert(String clientCert) {
    this.clientCert = clientCert;
  }

  /** {@code jgit.pomerium.client-key}, the mTLS client key, as given (not yet parsed); null when unset. */
  public String getClientKey() {
    return clientKey;
  }

  /** Sets {@code jgit.pomerium.client-key}; null unsets it. */
  public void setClientKey(String clientKey) {
    this.clientKey = clientKey;
  }

  /**
   * {@code jgit.pomerium.disable-tls-verification}, whether to accept any TLS certificate, as given (not yet parsed);
   * null when unset.
   */
  public String getDisableTlsVerification() {
    return disableTlsVerification;
  }

  /** Sets {@code jgit.pomerium.disable-tls-verification}; null unsets it. */
  public void setDisableTlsVerification(String disableTlsVerification) {
    this.disableTlsVerification = disableTlsVerification;
  }

  /**
   * {@code jgit.pomerium.connect-timeout}, the bound on the TCP connect to Pomerium, as given (not yet parsed); null
   * when unset.
   */
  public String getConnectTimeout() {
    return connectTimeout;
  }

  /** Sets {@code jgit.pomerium.connect-timeout}; null unsets it. */
  public void setConnectTimeout(String connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /**
   * {@code jgit.pomerium.response-timeout}, the bound on Pomerium's answer to CONNECT, as given (not yet parsed); null
   * when unset.
   */
  public String getResponseTimeout() {
    return responseTimeout;
  }

  /** Sets {@code jgit.pomerium.response-timeout}; null unsets it. */
  public void setResponseTimeout(String responseTimeout) {
    this.responseTimeout = responseTimeout;
  }

  /**
   * {@code jgit.pomerium.server-alive-interval}, the SSH keepalive interval, as given (not yet parsed); null when
   * unset.
   */
  public String getServerAliveInterval() {
    return serverAliveInterval;
  }

  /** Sets {@code jgit.pomerium.server-alive-interval}; null unsets it. */
  public void setServerAliveInterval(String serverAliveInterval) {
    this.serverAliveInterval = serverAliveInterval;
  }

  /**
   * {@code jgit.pomerium.server-alive-count-max}, the unanswered keepalives allowed, as given (not yet parsed); null
   * when unset.
   */
  public String getServerAliveCountMax() {
    return serverAliveCountMax;
  }

  /** Sets {@code jgit.pomerium.server-alive-count-max}; null unsets it. */
  public void setServerAliveCountMax(String serverAliveCountMax) {
    this.serverAliveCountMax = serverAliveCountMax;
  }

  /** {@code jgit.pomerium.client-cert-pkcs12}, the PKCS#12 file, as given; null when unset. */
  public String getClientCertPkcs12() {
    return clientCertPkcs12;
  }

  /** Sets {@code jgit.pomerium.client-cert-pkcs12}; null unsets it. */
  public void setClientCertPkcs12(String clientCertPkcs12) {
    this.clientCertPkcs12 = clientCertPkcs12;
  }

  /** {@code jgit.pomerium.client-cert-password}, the PKCS#12 file's password, as given; null when unset. */
  public String getClientCertPassword() {
    return clientCertPassword;
  }

  /** Sets {@code jgit.pomerium.client-cert-password}; null unsets it. */
  public void setClientCertPassword(String clientCertPassword) {
    this.clientCertPassword = clientCertPassword;
  }

  /** {@code jgit.pomerium.client-cert-password-file}, the PKCS#12 file's password file, as given; null when unset. */
  public String getClientCertPasswordFile() {
    return clientCertPasswordFile;
  }

  /** Sets {@code jgit.pomerium.client-cert-password-file}; null unsets it. */
  public void setClientCertPasswordFile(String clientCertPasswordFile) {
    this.clientCertPasswordFile = clientCertPasswordFile;
  }

  /**
   * {@code jgit.pomerium.client-cert-from-store}, whether the client certificate comes from the platform store, as
   * given; null when unset.
   */
  public String getClientCertFromStore() {
    return clientCertFromStore;
  }

  /** Sets {@code jgit.pomerium.client-cert-from-store}; null unsets it. */
  public void setClientCertFromStore(String clientCertFromStore) {
    this.clientCertFromStore = clientCertFromStore;
  }

  /** {@code jgit.pomerium.client-cert-issuer}, the client certificate's issuer filter, as given; null when unset. */
  public String getClientCertIssuer() {
    return clientCertIssuer;
  }

  /** Sets {@code jgit.pomerium.client-cert-issuer}; null unsets it. */
  public void setClientCertIssuer(String clientCertIssuer) {
    this.clientCertIssuer = clientCertIssuer;
  }

  /** {@code jgit.pomerium.client-cert-subject}, the client certificate's subject filter, as given; null when unset. */
  public String getClientCertSubject() {
    return clientCertSubject;
  }

  /** Sets {@code jgit.pomerium.client-cert-subject}; null unsets it. */
  public void setClientCertSubject(String clientCertSubject) {
    this.clientCertSubject = clientCertSubject;
  }

  /** {@code jgit.pomerium.github-oidc}, whether to send GitHub Actions' OIDC token, as given; null when unset. */
  public String getGithubOidc() {
    return githubOidc;
  }

  /** Sets {@code jgit.pomerium.github-oidc}; null unsets it. */
  public void setGithubOidc(String githubOidc) {
    this.githubOidc = githubOidc;
  }

  /** {@code jgit.pomerium.github-oidc-audience}, the GitHub Actions OIDC token's audience; null when unset. */
  public String getGithubOidcAudience() {
    return githubOidcAudience;
  }

  /** Sets {@code jgit.pomerium.github-oidc-audience}; null unsets it. */
  public void setGithubOidcAudience(String githubOidcAudience) {
    this.githubOidcAudience = githubOidcAudience;
  }

  /** {@code jgit.pomerium.bearer-token-env}, the variable holding the CI's identity token; null when unset. */
  public String getBearerTokenEnv() {
    return bearerTokenEnv;
  }

  /** Sets {@code jgit.pomerium.bearer-token-env}; null unsets it. */
  public void setBearerTokenEnv(String bearerTokenEnv) {
    this.bearerTokenEnv = bearerTokenEnv;
  }

  /** {@code jgit.pomerium.kubernetes-token-file}, the projected service-account token file; null when unset. */
  public String getKubernetesTokenFile() {
    return kubernetesTokenFile;
  }

  /** Sets {@code jgit.pomerium.kubernetes-token-file}; null unsets it. */
  public void setKubernetesTokenFile(String kubernetesTokenFile) {
    this.kubernetesTokenFile = kubernetesTokenFile;
  }

  /**
   * {@code jgit.pomerium.forward-proxy}, the forward proxy URL or {@code direct}, as given (not yet parsed); null when
   * unset.
   */
  public String getForwardProxy() {
    return forwardProxy;
  }

  /** Sets {@code jgit.pomerium.forward-proxy}; null unsets it. */
  public void setForwardProxy(String forwardProxy) {
    this.forwardProxy = forwardProxy;
  }

  /** {@code jgit.pomerium.connection-reuse} as given (not yet parsed); null when unset. */
  public String getConnectionReuse() {
    return connectionReuse;
  }

  /** Sets {@code jgit.pomerium.connection-reuse}; null unsets it. */
  public void setConnectionReuse(String connectionReuse) {
    this.connectionReuse = connectionReuse;
  }
}
