package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.config.SystemConfiguration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code JGIT_POMERIUM_*} environment variables and {@code jgit.pomerium.*} system properties that {@link
 * PomeriumSshSessionFactory#builderFromEnvironment()} reads (listed in the README).
 */
public final class EnvironmentSettings {
  private EnvironmentSettings() {}

  /**
   * The names in {@code environment} and {@code systemProperties} that look like settings but name none, each as a
   * sentence naming the closest setting (a typo such as {@code JGIT_POMERIUM_ROUTE} would otherwise leave a host
   * unrouted without a word), sorted; empty when every name is known. {@code builderFromEnvironment()} only logs
   * them; a program that must not run misconfigured (the Java agent) refuses to start on them.
   */
  public static List<String> unknownNames(Map<String, String> environment, Set<String> systemProperties) {
    return SystemConfiguration.unknownNames(environment, systemProperties);
  }
}
