package dev.jgitpomerium.agent.internal;

import dev.jgitpomerium.transport.PomeriumProxySelector;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.net.ProxySelector;
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
   * fallback}), or {@code null} if the agent cannot start, having said why.
   */
  public static ProxySelector start(String arguments, ProxySelector fallback) {
    if (arguments != null && !arguments.isBlank()) {
      log.error("jgit-pomerium-agent takes no arguments (got '{}'): configure it with the JGIT_POMERIUM_* environment"
          + " variables or jgit.pomerium.* system properties; not started", arguments);
      return null;
    }
    try {
      PomeriumSshSessionFactory factory = PomeriumSshSessionFactory.builderFromEnvironment().build();
      ProxySelector selector = PomeriumProxySelector.create(factory, fallback);
      log.debug("jgit-pomerium-agent started; routes {}", factory.routes());
      return selector;
    } catch (Exception | LinkageError e) {
      // A setting's message names the setting and the variable; other failures need their type to mean anything.
      String reason = e instanceof IllegalArgumentException && e.getMessage() != null ? e.getMessage() : e.toString();
      log.error("jgit-pomerium-agent not started, the program runs without it: {}", reason);
      return null;
    }
  }
}
