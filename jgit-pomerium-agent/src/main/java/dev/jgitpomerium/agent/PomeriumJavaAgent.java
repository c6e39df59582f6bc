package dev.jgitpomerium.agent;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.net.ProxySelector;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code java -javaagent:jgit-pomerium-agent.jar}: routes the JGit of a program that cannot be changed (Maven with the
 * {@code scm:jgit:} provider, a CI server, a build daemon) through Pomerium, configured by the {@code jgit.pomerium.*}
 * system properties or {@code JGIT_POMERIUM_*} environment variables (and {@code ~/.ssh/config}).
 *
 * <p>The JVM puts an agent's jar on the application class path, so this jar's root holds only this bootstrap. The
 * implementation (jgit-pomerium with its own JGit, MINA sshd, OkHttp, Kotlin and SLF4J) lies under {@value
 * #IMPLEMENTATION} in the same jar and loads in a class loader of its own whose parent is the platform class loader:
 * the application sees none of it, and it sees none of the application. The two meet only in JDK types: the
 * agent installs a {@link ProxySelector} that sends the host's JGit, whatever its version, to an in-process relay for
 * routed hosts and asks the selector it replaced for everything else. The implementation starts on a thread of its
 * own, so that the host's {@code main} does not wait for it; see {@link DeferredProxySelector}.
 *
 * <p>Nothing here may stop the program it serves: a failure to start is reported (standard error, or the host's
 * logging)
 * and the program goes on, but JGit's SSH connections then fail rather than go where the configuration said they must
 * not (see {@link DeferredProxySelector}).
 */
public final class PomeriumJavaAgent {
  /** Where in the agent jar the implementation lies. */
  static final String IMPLEMENTATION = "jgit-pomerium-agent/";
  private static final String ENTRY_POINT = "dev.jgitpomerium.agent.internal.IsolatedAgent";

  private static boolean started;

  private PomeriumJavaAgent() {}

  public static void premain(String arguments, Instrumentation instrumentation) {
    start(arguments);
  }

  public static void agentmain(String arguments, Instrumentation instrumentation) {
    start(arguments);
  }

  private static synchronized void start(String arguments) {
    if (started) {
      return;
    }
    started = true;
    ProxySelector replaced = ProxySelector.getDefault();
    DeferredProxySelector deferred = new DeferredProxySelector(replaced);
    ProxySelector.setDefault(deferred);
    Thread starter = new Thread(() -> {
      ProxySelector implementation = null;
      AtomicReference<String> why = new AtomicReference<>();
      try {
        Path jar = Path.of(PomeriumJavaAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ClassLoader loader = new IsolatedClassLoader(jar, IMPLEMENTATION);
        // Threads the implementation starts inherit this, and libraries that look up services through the context
        // class loader must see the implementation's, not the host's.
        Thread.currentThread().setContextClassLoader(loader);
        implementation = (ProxySelector) Class.forName(ENTRY_POINT, true, loader)
            .getMethod("start", String.class, ProxySelector.class, Supplier.class, Consumer.class)
            .invoke(null, arguments, replaced, deferred.hostContext(), (Consumer<String>) why::set);
      } catch (InvocationTargetException e) {
        why.set(report(e.getCause()));
      } catch (Exception | LinkageError e) {
        why.set(report(e));
      } finally {
        if (implementation != null) {
          deferred.started(implementation);
        } else {
          deferred.failed(why.get() != null ? why.get() : "see the program's standard error");
        }
      }
    }, "jgit-pomerium-agent-start");
    starter.setDaemon(true);
    starter.start();
  }

  // The bootstrap has no logging: it runs before the implementation and its bridge to the host's SLF4J exist.
  private static String report(Throwable failure) {
    System.err.println("jgit-pomerium-agent: not started, JGit's SSH connections will fail: " + failure);
    return failure.toString();
  }
}
