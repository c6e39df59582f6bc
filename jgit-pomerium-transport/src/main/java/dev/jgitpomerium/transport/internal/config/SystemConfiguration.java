package dev.jgitpomerium.transport.internal.config;

import dev.jgitpomerium.transport.TokenStore;
import dev.jgitpomerium.transport.internal.reuse.ReusePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration of the ServiceLoader-created factory, from system properties and, for each, an environment
 * variable (the property wins). Every key is listed in {@link Key}; the README documents them.
 *
 * <p>There is deliberately no system property for the token itself: system properties show in process listings.
 * Use a token file, or the environment variable.
 */
public final class SystemConfiguration {
  private static final Logger log = LoggerFactory.getLogger(SystemConfiguration.class);
  /**
   * One setting: its name (for {@link #fromSettings} and Spring's {@code jgit.pomerium.*} properties), its system
   * property (the same name, or none for the tokens themselves) and its environment variable.
   */
  public enum Key {
    ROUTES("jgit.pomerium.routes", true, "JGIT_POMERIUM_ROUTES"),
    POMERIUM_URL("jgit.pomerium.url", true, "JGIT_POMERIUM_URL"),
    TOKEN("jgit.pomerium.token", false, "JGIT_POMERIUM_TOKEN"),
    TOKEN_FILE("jgit.pomerium.tokenFile", true, "JGIT_POMERIUM_TOKEN_FILE"),
    BEARER_TOKEN("jgit.pomerium.bearerToken", false, "JGIT_POMERIUM_BEARER_TOKEN"),
    BEARER_TOKEN_FILE("jgit.pomerium.bearerTokenFile", true, "JGIT_POMERIUM_BEARER_TOKEN_FILE"),
    TOKEN_COMMAND("jgit.pomerium.tokenCommand", true, "JGIT_POMERIUM_TOKEN_COMMAND"),
    TOKEN_CACHE("jgit.pomerium.tokenCache", true, "JGIT_POMERIUM_TOKEN_CACHE"),
    BROWSER_COMMAND("jgit.pomerium.browserCommand", true, "JGIT_POMERIUM_BROWSER_COMMAND"),
    NO_BROWSER("jgit.pomerium.noBrowser", true, "JGIT_POMERIUM_NO_BROWSER"),
    INTERACTIVE("jgit.pomerium.interactive", true, "JGIT_POMERIUM_INTERACTIVE"),
    SIGN_IN_TIMEOUT("jgit.pomerium.signInTimeout", true, "JGIT_POMERIUM_SIGN_IN_TIMEOUT"),
    CA_FILE("jgit.pomerium.caFile", true, "JGIT_POMERIUM_CA_FILE"),
    CLIENT_CERT("jgit.pomerium.clientCert", true, "JGIT_POMERIUM_CLIENT_CERT"),
    CLIENT_KEY("jgit.pomerium.clientKey", true, "JGIT_POMERIUM_CLIENT_KEY"),
    DISABLE_TLS_VERIFICATION("jgit.pomerium.disableTlsVerification", true, "JGIT_POMERIUM_DISABLE_TLS_VERIFICATION"),
    CONNECT_TIMEOUT("jgit.pomerium.connectTimeout", true, "JGIT_POMERIUM_CONNECT_TIMEOUT"),
    RESPONSE_TIMEOUT("jgit.pomerium.responseTimeout", true, "JGIT_POMERIUM_RESPONSE_TIMEOUT"),
    SERVER_ALIVE_INTERVAL("jgit.pomerium.serverAliveInterval", true, "JGIT_POMERIUM_SERVER_ALIVE_INTERVAL"),
    SERVER_ALIVE_COUNT_MAX("jgit.pomerium.serverAliveCountMax", true, "JGIT_POMERIUM_SERVER_ALIVE_COUNT_MAX"),
    CLIENT_CERT_PKCS12("jgit.pomerium.clientCertPkcs12", true, "JGIT_POMERIUM_CLIENT_CERT_PKCS12"),
    CLIENT_CERT_PASSWORD("jgit.pomerium.clientCertPassword", false, "JGIT_POMERIUM_CLIENT_CERT_PASSWORD"),
    CLIENT_CERT_PASSWORD_FILE("jgit.pomerium.clientCertPasswordFile", true, "JGIT_POMERIUM_CLIENT_CERT_PASSWORD_FILE"),
    CLIENT_CERT_FROM_STORE("jgit.pomerium.clientCertFromStore", true, "JGIT_POMERIUM_CLIENT_CERT_FROM_STORE"),
    CLIENT_CERT_ISSUER("jgit.pomerium.clientCertIssuer", true, "JGIT_POMERIUM_CLIENT_CERT_ISSUER"),
    CLIENT_CERT_SUBJECT("jgit.pomerium.clientCertSubject", true, "JGIT_POMERIUM_CLIENT_CERT_SUBJECT"),
    GITHUB_OIDC("jgit.pomerium.githubOidc", true, "JGIT_POMERIUM_GITHUB_OIDC"),
    GITHUB_OIDC_AUDIENCE("jgit.pomerium.githubOidcAudience", true, "JGIT_POMERIUM_GITHUB_OIDC_AUDIENCE"),
    BEARER_TOKEN_ENV("jgit.pomerium.bearerTokenEnv", true, "JGIT_POMERIUM_BEARER_TOKEN_ENV"),
    KUBERNETES_TOKEN_FILE("jgit.pomerium.kubernetesTokenFile", true, "JGIT_POMERIUM_KUBERNETES_TOKEN_FILE"),
    FORWARD_PROXY("jgit.pomerium.forwardProxy", true, "JGIT_POMERIUM_FORWARD_PROXY"),
    CONNECTION_REUSE("jgit.pomerium.connectionReuse", true, "JGIT_POMERIUM_CONNECTION_REUSE");

    public final String setting;
    /** The system property, or null: a token in a system property would show in process listings. */
    public final String property;
    public final String environment;

    Key(String setting, boolean systemProperty, String environment) {
      this.setting = setting;
      this.property = systemProperty ? setting : null;
      this.environment = environment;
    }

    String describe() {
      return property != null ? property + " (or " + environment + ")" : environment;
    }
  }

  /**
   * A PKCS#12 file and where its password comes from: a file (read by the Builder), else the password itself, else
   * none (an empty password).
   */
  public record Pkcs12(Path file, Path passwordFile, char[] password) {
    @Override
    public String toString() {
      return "Pkcs12[" + file + "]"; // never the password
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)?");

  private SystemConfiguration() {}

  /**
   * One setting that is set, parsed: {@link #value()} is its value (a {@link String}, {@link Path}, {@link Duration},
   * {@link Boolean}, {@link Integer}, {@link TokenStore}, the route specs as a {@code List<String>}, the client
   * certificate and key files as a {@code List<Path>}, or a {@link Pkcs12}), or throws the reason it could not be
   * parsed. A failure is kept, not thrown, so that the settings are checked in {@link Key} order whichever way they
   * fail.
   *
   * @param describedAs how the setting was given, for messages: its property and variable, or its setting name
   */
  public record Value(Key key, String describedAs, Object parsed, IllegalArgumentException failure) {
    /** The parsed value; throws why the setting could not be parsed. */
    public Object value() {
      if (failure != null) {
        throw failure;
      }
      return parsed;
    }
  }

  /** The settings from system properties and environment variables; unknown names are logged as warnings. */
  public static List<Value> fromSystem() {
    for (String unknown : unknownNames(System.getenv(), System.getProperties().stringPropertyNames())) {
      log.warn("{}: ignored", unknown);
    }
    return read(System::getProperty, System::getenv);
  }

  /**
   * The {@code JGIT_POMERIUM_*} variables and {@code jgit.pomerium.*} properties that name no setting, each as a
   * sentence naming the closest setting (a typo such as {@code JGIT_POMERIUM_ROUTE} would otherwise leave a host
   * unrouted without a word). Spring's own {@code jgit.pomerium.enabled} is known.
   */
  public static List<String> unknownNames(Map<String, String> environment, Set<String> properties) {
    List<String> unknown = new ArrayList<>();
    List<String> variables = new ArrayList<>();
    List<String> names = new ArrayList<>(List.of("jgit.pomerium.enabled"));
    for (Key key : Key.values()) {
      variables.add(key.environment);
      if (key.property != null) {
        names.add(key.property);
      }
    }
    environment.keySet().stream().filter(n -> n.startsWith("JGIT_POMERIUM_") && !variables.contains(n)).sorted()
        .forEach(n -> unknown.add("unknown jgit-pomerium environment variable " + n + closest(n, variables)));
    for (String name : properties.stream().filter(n -> n.startsWith("jgit.pomerium.") && !names.contains(n)).sorted()
        .toList()) {
      Key secret = Stream.of(Key.values()).filter(k -> k.property == null && k.setting.equals(name)).findFirst()
          .orElse(null);
      unknown.add(secret != null
          ? "there is no system property " + name + " (it would show in process listings): use the environment"
              + " variable " + secret.environment + " or the file setting " + secret.setting + "File"
          : "unknown jgit-pomerium system property " + name + closest(name, names));
    }
    return unknown;
  }

  private static String closest(String name, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = editDistance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= 4 ? " (did you mean " + best + "?)" : "";
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /**
   * Every key that is set: its system property from {@code properties}, else its environment variable from {@code
   * environment}, in {@link Key} order.
   */
  public static List<Value> read(UnaryOperator<String> properties, UnaryOperator<String> environment) {
    return readKeys(key -> {
      String value = key.property != null ? properties.apply(key.property) : null;
      return value == null || value.isBlank() ? environment.apply(key.environment) : value;
    }, Key::describe);
  }

  /**
   * Every key that {@code settings} gives a value for, looked up by {@link Key#setting}; neither system properties
   * nor the environment are read.
   */
  public static List<Value> fromSettings(Function<String, String> settings) {
    return readKeys(key -> settings.apply(key.setting), key -> key.setting);
  }

  private static List<Value> readKeys(Function<Key, String> lookup, Function<Key, String> describe) {
    Map<Key, String> values = new EnumMap<>(Key.class);
    for (Key key : Key.values()) {
      String value = lookup.apply(key);
      if (value != null && !value.isBlank()) {
        values.put(key, value.strip());
      }
    }
    List<Value> parsed = new ArrayList<>();
    values.forEach((key, value) -> {
      try {
        // A password belongs to its PKCS#12 file: without one here, the command line's flag may name the file.
        boolean consumed = (key == Key.CLIENT_KEY && values.containsKey(Key.CLIENT_CERT))
            || key == Key.CLIENT_CERT_PASSWORD || key == Key.CLIENT_CERT_PASSWORD_FILE;
        if (!consumed) {
          parsed.add(new Value(key, describe.apply(key), parse(key, value, values, describe), null));
        }
      } catch (IllegalArgumentException e) {
        parsed.add(new Value(key, describe.apply(key), null, e));
      }
    });
    return parsed;
  }

  private static Object parse(Key key, String value, Map<Key, String> all, Function<Key, String> describe) {
    switch (key) {
      case ROUTES:
        return Stream.of(value.split("[,\\s]+")).filter(spec -> !spec.isEmpty()).toList();
      case POMERIUM_URL, TOKEN, BEARER_TOKEN, TOKEN_COMMAND, BROWSER_COMMAND, FORWARD_PROXY:
        return value;
      case TOKEN_FILE, BEARER_TOKEN_FILE, CA_FILE:
        return Path.of(value);
      case TOKEN_CACHE:
        return value.equalsIgnoreCase("memory") ? TokenStore.inMemory() : TokenStore.directory(Path.of(value));
      case NO_BROWSER, INTERACTIVE, DISABLE_TLS_VERIFICATION:
        return bool(value);
      case SIGN_IN_TIMEOUT, CONNECT_TIMEOUT, RESPONSE_TIMEOUT, SERVER_ALIVE_INTERVAL:
        return duration(value);
      case CLIENT_CERT:
        String keyFile = all.get(Key.CLIENT_KEY);
        if (keyFile == null) {
          throw new IllegalArgumentException("a client certificate needs " + describe.apply(Key.CLIENT_KEY) + " too");
        }
        return List.of(Path.of(value), Path.of(keyFile));
      case CLIENT_KEY:
        throw new IllegalArgumentException("a client key needs " + describe.apply(Key.CLIENT_CERT) + " too");
      case SERVER_ALIVE_COUNT_MAX:
        return count(value);
      case CLIENT_CERT_PKCS12:
        String passwordFile = all.get(Key.CLIENT_CERT_PASSWORD_FILE);
        String password = all.get(Key.CLIENT_CERT_PASSWORD);
        return new Pkcs12(Path.of(value), passwordFile == null ? null : Path.of(passwordFile),
            passwordFile != null || password == null ? null : password.toCharArray());
      case CLIENT_CERT_FROM_STORE:
        return bool(value);
      case CLIENT_CERT_ISSUER, CLIENT_CERT_SUBJECT:
        return value;
      case CONNECTION_REUSE:
        return connectionReuse(value);
      case GITHUB_OIDC:
        boolean on = bool(value);
        if (on) {
          onlyIdentityToken(key, all, describe);
        } else if (all.containsKey(Key.GITHUB_OIDC_AUDIENCE)) {
          throw new IllegalArgumentException("is false, but " + describe.apply(Key.GITHUB_OIDC_AUDIENCE)
              + " asks for GitHub's OIDC token");
        }
        return on;
      case GITHUB_OIDC_AUDIENCE:
        if (!all.containsKey(Key.GITHUB_OIDC)) {
          onlyIdentityToken(key, all, describe);
        }
        return value;
      case BEARER_TOKEN_ENV:
        onlyIdentityToken(key, all, describe);
        return value;
      case KUBERNETES_TOKEN_FILE:
        onlyIdentityToken(key, all, describe);
        return Path.of(value);
      default:
        throw new AssertionError(key);
    }
  }

  /**
   * The identity-provider token settings each name the one token sent as {@code Bearer}; two of them at once would
   * leave which one is sent to the order of this list, so that is refused (a bearer token and a bearer token file
   * keep their old rule: the file wins). {@link Key#GITHUB_OIDC_AUDIENCE} goes with {@link Key#GITHUB_OIDC}.
   */
  private static void onlyIdentityToken(Key key, Map<Key, String> all, Function<Key, String> describe) {
    for (Key other : List.of(Key.BEARER_TOKEN, Key.BEARER_TOKEN_FILE, Key.GITHUB_OIDC, Key.GITHUB_OIDC_AUDIENCE,
        Key.BEARER_TOKEN_ENV, Key.KUBERNETES_TOKEN_FILE)) {
      boolean sameSetting = other == key || key == Key.GITHUB_OIDC && other == Key.GITHUB_OIDC_AUDIENCE
          || key == Key.GITHUB_OIDC_AUDIENCE && other == Key.GITHUB_OIDC;
      boolean off = other == Key.GITHUB_OIDC && all.containsKey(other) && !isTrue(all.get(other));
      if (!sameSetting && !off && all.containsKey(other)) {
        throw new IllegalArgumentException("conflicts with " + describe.apply(other) + ": both name the "
            + "identity-provider token sent as Bearer; set only one");
      }
    }
    for (Key serviceAccount : List.of(Key.TOKEN, Key.TOKEN_FILE)) {
      // The service account is tried first: with both, the identity token would silently never be sent.
      if (all.containsKey(serviceAccount)) {
        throw new IllegalArgumentException("conflicts with " + describe.apply(serviceAccount) + ": both name the "
            + "token sent to Pomerium (the service-account token would always be the one sent); set only one");
      }
    }
  }

  private static boolean isTrue(String value) {
    try {
      return bool(value);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code no} (off), {@code yes} (on, the default idle time), or how long an idle connection is kept. */
  private static ReusePolicy connectionReuse(String value) {
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on":
        return ReusePolicy.keepIdle(ReusePolicy.DEFAULT_KEEP_IDLE);
      case "false", "no", "off":
        return ReusePolicy.OFF;
      default:
        try {
          return ReusePolicy.keepIdle(duration(value));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("expected no, yes or how long to keep an idle connection (60s, 5m), not '"
              + value + "'");
        }
    }
  }

  private static boolean bool(String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on":
        return true;
      case "false", "no", "0", "off":
        return false;
      default:
        throw new IllegalArgumentException("expected true or false, not '" + value + "'");
    }
  }

  /** {@code 10} or {@code 10s} (seconds), {@code 500ms}, {@code 2m}, or ISO-8601 such as {@code PT10S}. */
  private static int count(String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: '" + value + "'", e);
    }
  }

  static Duration duration(String value) {
    Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      };
    }
    try {
      return Duration.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("not a duration: '" + value + "' (use e.g. 10s or 500ms)", e);
    }
  }
}
