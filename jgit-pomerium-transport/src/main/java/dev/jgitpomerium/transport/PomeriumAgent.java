package dev.jgitpomerium.transport;

import java.lang.instrument.Instrumentation;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -javaagent:jgit-pomerium.jar ...}: installs jgit-pomerium in a JVM whose code cannot be changed (a build
 * tool, a CI server): a factory configured from the {@code jgit.pomerium.*} system properties and {@code
 * JGIT_POMERIUM_*} environment variables (plus ~/.ssh/config), as {@link SshSessionFactory#setInstance JGit's default}
 * and behind the JVM's {@link PomeriumProxySelector ProxySelector}, which reaches even code that makes its own {@code
 * new SshdSessionFactory()} (Maven SCM's jgit provider) in another class loader.
 *
 * <p>A configuration error is logged and leaves the JVM as it was: an agent must not stop the program it serves.
 */
public final class PomeriumAgent {
  private static final Logger log = LoggerFactory.getLogger(PomeriumAgent.class);
  private static PomeriumSshSessionFactory installed;
  private static PomeriumProxySelector selector;

  private PomeriumAgent() {}

  public static void premain(String arguments, Instrumentation instrumentation) {
    install();
  }

  public static void agentmain(String arguments, Instrumentation instrumentation) {
    install();
  }

  /** Installs once per JVM; returns the factory, or {@code null} if the configuration is unusable. */
  static synchronized PomeriumSshSessionFactory install() {
    if (installed != null) {
      return installed;
    }
    try {
      PomeriumSshSessionFactory factory = PomeriumSshSessionFactory.builderFromEnvironment().build();
      SshSessionFactory.setInstance(factory);
      selector = PomeriumProxySelector.install(factory);
      installed = factory;
      log.debug("jgit-pomerium installed; routes {}", factory.routes());
      return factory;
    } catch (Exception | LinkageError e) {
      log.warn("jgit-pomerium not installed: {}", e.toString());
      return null;
    }
  }

  /** Undoes {@link #install} (for tests; a real agent lives as long as its JVM). */
  static synchronized void uninstall() {
    if (installed != null) {
      selector.uninstall();
      SshSessionFactory.setInstance(null);
      installed.close();
      installed = null;
    }
  }
}
