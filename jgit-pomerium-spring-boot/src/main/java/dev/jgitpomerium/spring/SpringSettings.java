package dev.jgitpomerium.spring;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.Environment;

/**
 * The jgit-pomerium settings an application's {@link Environment} gives, by the library's setting names, each with
 * the property that set it and where, for messages.
 *
 * <p>Spring's relaxed binding reads {@code jgit.pomerium.token-file}, {@code jgit.pomerium.tokenFile} and the
 * library's own environment variable {@code JGIT_POMERIUM_TOKEN_FILE} alike, so a host set up for jgit-pomerium's
 * no-code route configures a Spring application the same way.
 */
final class SpringSettings {
  /** A value, Spring's name of its property, and where it was set (null if Spring cannot tell). */
  record Setting(String value, String property, String origin) {
    /** Without the value: it may be a token. */
    @Override
    public String toString() {
      return PomeriumConfigurationException.describe(property, origin);
    }
  }

  private final Map<String, Setting> settings;

  private SpringSettings(Map<String, Setting> settings) {
    this.settings = settings;
  }

  static SpringSettings read(Environment environment) {
    PomeriumProperties properties = Binder.get(environment)
        .bind("jgit.pomerium", PomeriumProperties.class)
        .orElseGet(PomeriumProperties::new);
    Map<String, Setting> settings = new LinkedHashMap<>();
    properties.settings().forEach((name, value) -> {
      if (value != null && !value.isBlank()) {
        String property = propertyName(name);
        settings.put(name, new Setting(value, property, origin(environment, property)));
      }
    });
    return new SpringSettings(settings);
  }

  /** The value of a library setting ({@code jgit.pomerium.tokenFile}), or null. */
  String value(String setting) {
    Setting s = settings.get(setting);
    return s == null ? null : s.value();
  }

  /** The setting, or null when it is not set. */
  Setting get(String setting) {
    return settings.get(setting);
  }

  Set<String> names() {
    return settings.keySet();
  }

  boolean isEmpty() {
    return settings.isEmpty();
  }

  /** {@code jgit.pomerium.tokenFile} as Spring's canonical property name: {@code jgit.pomerium.token-file}. */
  static String propertyName(String setting) {
    return PomeriumProperties.PREFIX
        + setting.substring(PomeriumProperties.PREFIX.length()).replaceAll("([a-z0-9])([A-Z])", "$1-$2")
        .toLowerCase(Locale.ROOT);
  }

  /** Where a property was set ({@code class path resource [application.yml] - 4:14}), or null if Spring cannot tell. */
  private static String origin(Environment environment, String property) {
    ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
    ConfigurationPropertyName first = ConfigurationPropertyName.of(property + "[0]"); // a YAML list of routes
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      ConfigurationProperty found = source.getConfigurationProperty(name);
      if (found == null) {
        found = source.getConfigurationProperty(first);
      }
      if (found != null) {
        return found.getOrigin() == null ? null : found.getOrigin().toString();
      }
    }
    return null;
  }
}
