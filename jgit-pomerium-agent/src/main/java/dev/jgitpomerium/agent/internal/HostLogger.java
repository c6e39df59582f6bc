package dev.jgitpomerium.agent.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * A logger of the agent's SLF4J that hands each message, formatted, to the host's logger of the same name, at the
 * host's levels. With no host SLF4J in sight the agent stays silent but for errors, which go to standard error.
 */
final class HostLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;
  private static final Level[] LEVELS = Level.values();

  private transient volatile Target target;

  HostLogger(String name) {
    this.name = name;
  }

  private Target target() {
    Target t = target;
    if (t == null) {
      HostSlf4j host = HostSlf4j.find();
      if (host != null) {
        t = host.logger(name);
        target = t;
      }
    }
    return t;
  }

  private boolean enabled(Level level) {
    Target t = target();
    return t == null ? level == Level.ERROR : t.enabled(level);
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, org.slf4j.Marker marker, String pattern, Object[] arguments,
      Throwable throwable) {
    String message = MessageFormatter.basicArrayFormat(pattern, arguments);
    Target t = target();
    if (t != null) {
      t.log(level, message, throwable);
    } else if (level == Level.ERROR) {
      String text = message.startsWith("jgit-pomerium") ? message : "jgit-pomerium-agent: " + message;
      System.err.println(throwable == null ? text : text + ": " + throwable);
    }
  }

  /** One logger of the host's SLF4J, called through method handles bound once. */
  static final class Target {
    private final MethodHandle[] enabled = new MethodHandle[LEVELS.length];
    private final MethodHandle[] log = new MethodHandle[LEVELS.length];

    Target(Object logger, Class<?> type) throws ReflectiveOperationException {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      for (Level level : LEVELS) {
        String method = level.name().toLowerCase(java.util.Locale.ROOT);
        String check = "is" + Character.toUpperCase(method.charAt(0)) + method.substring(1) + "Enabled";
        enabled[level.ordinal()] = lookup.findVirtual(type, check, MethodType.methodType(boolean.class)).bindTo(logger);
        log[level.ordinal()] = lookup.findVirtual(type, method,
            MethodType.methodType(void.class, String.class, Throwable.class)).bindTo(logger);
      }
    }

    boolean enabled(Level level) {
      try {
        return (boolean) enabled[level.ordinal()].invokeExact();
      } catch (Throwable e) {
        return false;
      }
    }

    void log(Level level, String message, Throwable throwable) {
      try {
        log[level.ordinal()].invokeExact(message, throwable);
      } catch (Throwable ignored) {
        // the host's logging failing must not fail the connection being logged
      }
    }
  }
}
