package dev.jgitpomerium.agent.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * The host program's own SLF4J, reached by reflection from the agent's class loader: the SLF4J of the application class
 * loader (a plain program), or else of the context class loader of the thread that logs or of the host's threads that
 * ask the JVM's ProxySelector (Maven keeps its SLF4J in a core realm that its plugins' threads see through the context
 * class loader; a Spring Boot jar, in its launcher's class loader). Only an SLF4J that has a
 * binding counts: asking one without would make it print its own "no providers" warning, which the host never asked
 * for.
 */
final class HostSlf4j {
  private static final ClassLoader OURS = HostSlf4j.class.getClassLoader();
  private static final Map<ClassLoader, Boolean> WITHOUT = Collections.synchronizedMap(new WeakHashMap<>());
  private static volatile HostSlf4j found;
  private static volatile Supplier<ClassLoader> hostContext = () -> null;

  private final MethodHandle getLogger;
  private final Class<?> loggerType;

  private HostSlf4j(MethodHandle getLogger, Class<?> loggerType) {
    this.getLogger = getLogger;
    this.loggerType = loggerType;
  }

  /**
   * Also looks in the context class loader of the host's threads that {@code context} gives: the agent's own threads
   * (the relay's) have the agent's, and Maven and Spring Boot keep SLF4J out of the application class loader.
   */
  static void alsoLookIn(Supplier<ClassLoader> context) {
    hostContext = context;
  }

  /** The host's SLF4J, or {@code null} while none can be seen from here. */
  static HostSlf4j find() {
    HostSlf4j host = found;
    if (host != null) {
      return host;
    }
    for (ClassLoader candidate : new ClassLoader[] {ClassLoader.getSystemClassLoader(),
        Thread.currentThread().getContextClassLoader(), hostContext.get()}) {
      if (candidate == null || candidate == OURS || WITHOUT.containsKey(candidate)) {
        continue;
      }
      host = probe(candidate);
      if (host != null) {
        found = host;
        return host;
      }
      WITHOUT.put(candidate, Boolean.TRUE);
    }
    return null;
  }

  private static HostSlf4j probe(ClassLoader loader) {
    try {
      Class<?> factory = Class.forName("org.slf4j.LoggerFactory", false, loader);
      if (factory.getClassLoader() == OURS) {
        return null;
      }
      ClassLoader slf4j = factory.getClassLoader();
      boolean bound = slf4j.getResource("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") != null
          || slf4j.getResource("org/slf4j/impl/StaticLoggerBinder.class") != null;
      if (!bound) {
        return null;
      }
      Class<?> loggerType = Class.forName("org.slf4j.Logger", false, slf4j);
      MethodHandle getLogger = MethodHandles.publicLookup()
          .findStatic(factory, "getLogger", MethodType.methodType(loggerType, String.class));
      return new HostSlf4j(getLogger, loggerType);
    } catch (ReflectiveOperationException | LinkageError | SecurityException e) {
      return null;
    }
  }

  /** The host's logger of this name, with its level checks and calls bound. */
  HostLogger.Target logger(String name) {
    try {
      Object logger = getLogger.invoke(name);
      return new HostLogger.Target(logger, loggerType);
    } catch (Throwable e) {
      return null;
    }
  }
}
