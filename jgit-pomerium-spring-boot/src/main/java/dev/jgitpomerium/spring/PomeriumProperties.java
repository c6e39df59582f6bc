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
    return settings;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public List<String> getRoutes() {
    return routes;
  }

  public void setRoutes(List<String> routes) {
    this.routes = routes;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getToken() {
    return token;
  }

  public void setToken(String token) {
    this.token = token;
  }

  public String getTokenFile() {
    return tokenFile;
  }

  public void setTokenFile(String tokenFile) {
    this.tokenFile = tokenFile;
  }

  public String getBearerToken() {
    return bearerToken;
  }

  public void setBearerToken(String bearerToken) {
    this.bearerToken = bearerToken;
  }

  public String getBearerTokenFile() {
    return bearerTokenFile;
  }

  public void setBearerTokenFile(String bearerTokenFile) {
    this.bearerTokenFile = bearerTokenFile;
  }

  public String getTokenCommand() {
    return tokenCommand;
  }

  public void setTokenCommand(String tokenCommand) {
    this.tokenCommand = tokenCommand;
  }

  public String getTokenCache() {
    return tokenCache;
  }

  public void setTokenCache(String tokenCache) {
    this.tokenCache = tokenCache;
  }

  public String getBrowserCommand() {
    return browserCommand;
  }

  public void setBrowserCommand(String browserCommand) {
    this.browserCommand = browserCommand;
  }

  public String getNoBrowser() {
    return noBrowser;
  }

  public void setNoBrowser(String noBrowser) {
    this.noBrowser = noBrowser;
  }

  public String getInteractive() {
    return interactive;
  }

  public void setInteractive(String interactive) {
    this.interactive = interactive;
  }

  public String getSignInTimeout() {
    return signInTimeout;
  }

  public void setSignInTimeout(String signInTimeout) {
    this.signInTimeout = signInTimeout;
  }

  public String getCaFile() {
    return caFile;
  }

  public void setCaFile(String caFile) {
    this.caFile = caFile;
  }

  public String getClientCert() {
    return clientCert;
  }

  public void setClientCert(String clientCert) {
    this.clientCert = clientCert;
  }

  public String getClientKey() {
    return clientKey;
  }

  public void setClientKey(String clientKey) {
    this.clientKey = clientKey;
  }

  public String getDisableTlsVerification() {
    return disableTlsVerification;
  }

  public void setDisableTlsVerification(String disableTlsVerification) {
    this.disableTlsVerification = disableTlsVerification;
  }

  public String getConnectTimeout() {
    return connectTimeout;
  }

  public void setConnectTimeout(String connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  public String getResponseTimeout() {
    return responseTimeout;
  }

  public void setResponseTimeout(String responseTimeout) {
    this.responseTimeout = responseTimeout;
  }

  public String getServerAliveInterval() {
    return serverAliveInterval;
  }

  public void setServerAliveInterval(String serverAliveInterval) {
    this.serverAliveInterval = serverAliveInterval;
  }

  public String getServerAliveCountMax() {
    return serverAliveCountMax;
  }

  public void setServerAliveCountMax(String serverAliveCountMax) {
    this.serverAliveCountMax = serverAliveCountMax;
  }
}
