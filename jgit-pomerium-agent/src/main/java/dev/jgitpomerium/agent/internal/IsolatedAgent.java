package dev.jgitpomerium.agent.internal;

import dev.jgitpomerium.transport.EnvironmentSettings;
import dev.jgitpomerium.transport.PomeriumProxySelector;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.net.ProxySelector;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's implementation, in its own class loader: a factory configured from the environment, behind a {@link
 * PomeriumProxySelector} that the bootstrap puts in front of the JVM's. JGit's default factory is left alone: this
 * JGit is not the host's, and the host's JGit reaches the relay through the selector whatever its version, whether it
 * uses its default factory or makes its own.
 */
public final class IsolatedAgent {
  private static final Logger log = LoggerFactory.getLogger(IsolatedAgent.class);

  private IsolatedAgent() {}

  /**
   * Called once per JVM by the bootstrap; never throws. Returns the selector for routed hosts (others go to {@code
   * fallback}), or {@code null} if the agent cannot start, having logged why and given the reason to {@code failure}
   * (no secret in it). {@code hostContext} gives the context class loader of the host's threads that ask the JVM's
   * selector, where the host's SLF4J may be.
   */
  public static ProxySelector start(String arguments, ProxySelector fallback, Supplier<ClassLoader> hostContext,
      Consumer<String> failure) {
    HostSlf4j.alsoLookIn(hostContext);
    String reason = null;
    if (arguments != null && !arguments.isBlank()) {
      // Not echoed: whatever was put there may be a secret.
      reason = "it takes no arguments after the jar's name: configure it with the JGIT_POMERIUM_* environment"
          + " variables or jgit.pomerium.* system properties";
    } else {
      // A misspelt name would leave its hosts unrouted: the agent was put there to route them, so it does not start.
      List<String> unknown =
          EnvironmentSettings.unknownNames(System.getenv(), System.getProperties().stringPropertyNames());
      if (!unknown.isEmpty()) {
        reason = String.join("; ", unknown);
      }
    }
    if (reason == null) {
      try {
        PomeriumSshSessionFactory factory = PomeriumSshSessionFactory.builderFromEnvironment().build();
        ProxySelector selector = PomeriumProxySelector.create(factory, fallback);
        log.debug("jgit-pomerium-agent started; routes {}", factory.routes());
        return selector;
      } catch (Exception | LinkageError e) {
        // A setting's message names the setting and the variable; other failures need their type to mean anything.
        reason = e instanceof IllegalArgumentException && e.getMessage() != null ? e.getMessage() : e.toString();
      }
    }
    log.error("jgit-pomerium-agent not started, JGit's SSH connections will fail: {}", reason);
    failure.accept(reason);
    return null;
  }
}
