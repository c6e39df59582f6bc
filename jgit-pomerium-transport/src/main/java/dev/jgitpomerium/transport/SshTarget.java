package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.Authorities;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The SSH server a connection to a host goes to once {@code ~/.ssh/config} is applied: the host and port after
 * {@code HostName} and {@code Port}, as {@code ssh -G} reports them and JGit connects. A {@link Route} must name this,
 * not the alias the user typed, to be used for the connection.
 */
public final class SshTarget {
  private final String host;
  private final int port;

  private SshTarget(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /**
   * Where {@code ssh [-p port] [-l user] host} would connect, reading {@code sshConfig} as OpenSSH reads it ({@code
   * Match} included).
   *
   * @param port the port given on the command line or in the URL, or 0 or less for none
   * @param user the user given, or null for none
   * @throws SshConfigException if the file says something OpenSSH would refuse
   * @throws IOException if the file cannot be read
   */
  public static SshTarget resolve(Path sshConfig, String host, int port, String user) throws IOException {
    SshConfig.HostEntry entry = SshConfig.lookup(sshConfig, host, port, user);
    return new SshTarget(entry.host(), entry.port());
  }

  /** The host name after {@code HostName}. */
  public String host() {
    return host;
  }

  /** The port after {@code Port} (22 when nothing says otherwise). */
  public int port() {
    return port;
  }

  /** {@link #hostAndPort(String, int)} of this target. */
  @Override
  public String toString() {
    return hostAndPort(host, port);
  }

  /**
   * {@code host:port} as OpenSSH writes a server in its messages: an IPv6 literal in brackets and in its shortest form
   * ({@code [::1]:22}), any other host unchanged. For messages about {@link
   * PomeriumEventListener#connectionRouted}'s host and port, for example.
   */
  public static String hostAndPort(String host, int port) {
    return Authorities.asOpenSshWritesIt(host, port);
  }
}
