package dev.jgitpomerium.transport;

/**
 * The names of the SLF4J loggers that carry what a person at a terminal must see, as OpenSSH shows it at its default
 * {@code LogLevel}. A program that prints the library's log for people (the jgit-pomerium command line does) shows
 * these and keeps every other logger for its verbose mode; a logging configuration can name them.
 *
 * <p>These names stay as they are when the code behind them moves; every other logger of the library is named after
 * its class, which may change.
 */
public final class PomeriumLoggers {
  /**
   * A ProxyCommand's own standard error, one line per event at INFO, as {@code ProxyCommand for HOST: LINE}; OpenSSH
   * passes the line itself through unchanged.
   */
  public static final String PROXY_COMMAND = "dev.jgitpomerium.transport.proxycommand";

  /**
   * Host keys, at WARN: OpenSSH's {@code Warning: Permanently added '…' (TYPE) to the list of known hosts.} (followed
   * by the file, in parentheses, which OpenSSH does not print), {@code Failed to add the host …}, and the {@code @@@}
   * banner of a changed or revoked key when {@code StrictHostKeyChecking} lets the connection go on.
   */
  public static final String HOST_KEYS = "dev.jgitpomerium.transport.hostkeys";

  /** OpenSSH's {@code Timeout, server HOST not responding…}, at WARN, when keepalives go unanswered. */
  public static final String SERVER_ALIVE = "dev.jgitpomerium.transport.keepalive";

  /**
   * TLS to Pomerium, at WARN: {@code TLS verification is disabled for Pomerium at …}, which a user must never miss.
   */
  public static final String TLS = "dev.jgitpomerium.transport.tls";

  /**
   * Each tunnel through Pomerium: at DEBUG {@code tunnel to ROUTE open in N ms} or {@code tunnel to ROUTE failed:
   * …}, at INFO when Pomerium asks for a sign-in.
   */
  public static final String TUNNEL = "dev.jgitpomerium.transport.tunnel";

  private PomeriumLoggers() {}
}
