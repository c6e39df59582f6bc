package dev.jgitpomerium.transport.internal.session;

import java.io.File;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.transport.sshd.agent.Connector;
import org.eclipse.jgit.transport.sshd.agent.ConnectorFactory;
import org.eclipse.jgit.util.SystemReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SSH agents over the JDK's Unix-domain sockets (JEP 380), as OpenSSH finds them: {@code SSH_AUTH_SOCK}, or ssh
 * config's {@code IdentityAgent} (a path, with {@code ~} and {@code ${VAR}}; {@code SSH_AUTH_SOCK}; {@code none} is
 * handled by JGit before it asks). JGit's own connector ({@code org.eclipse.jgit.ssh.apache.agent}) needs JNA and is
 * not served past 7.5; this needs nothing.
 *
 * <p>Not registered with ServiceLoader: {@link ConnectorFactory#getDefault()} is shared by every JGit factory of the
 * JVM, and registering there would make other people's JGit start talking to agents. Only this library's factory
 * uses it (see {@link #forFactory}).
 */
public final class AgentConnectors implements ConnectorFactory {
  private static final Logger log = LoggerFactory.getLogger(AgentConnectors.class);
  static final String SSH_AUTH_SOCK = "SSH_AUTH_SOCK";
  /** JGit's own JNA-based factory: on Unix ours does the same without JNA. */
  private static final String JGIT_BUILTIN = "org.eclipse.jgit.internal.transport.sshd.agent.connector.Factory";
  private static final Pattern ENVIRONMENT_VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private static final ConnectorDescriptor DEFAULT = new ConnectorDescriptor() {
    @Override
    public String getIdentityAgent() {
      return SSH_AUTH_SOCK;
    }

    @Override
    public String getDisplayName() {
      return "ssh-agent at $SSH_AUTH_SOCK (Unix-domain socket)";
    }
  };

  private final AuthenticationNotes notes;

  private AgentConnectors(AuthenticationNotes notes) {
    this.notes = notes;
  }

  /**
   * The agent connector factory for one connection of this library's factory. An application's own default (set with
   * {@link ConnectorFactory#setDefault}, or another ServiceLoader provider) wins; JGit's built-in one is used only on
   * Windows (Pageant, Windows' OpenSSH pipe), where ours has nothing to connect to.
   */
  public static ConnectorFactory forFactory(AuthenticationNotes notes) {
    ConnectorFactory installed = ConnectorFactory.getDefault();
    boolean windows = SystemReader.getInstance().isWindows();
    if (installed != null && (windows || !installed.getClass().getName().equals(JGIT_BUILTIN))) {
      return installed;
    }
    return new AgentConnectors(notes);
  }

  @Override
  public Connector create(String identityAgent, File homeDir) throws IOException {
    if (SystemReader.getInstance().isWindows()) {
      return new Unavailable("ssh-agent on Windows (Pageant, or OpenSSH's pipe \\\\.\\pipe\\openssh-ssh-agent) needs "
          + "JGit's agent connector: add org.eclipse.jgit:org.eclipse.jgit.ssh.apache.agent and JNA to the class "
          + "path; without it no agent is used", notes);
    }
    if (identityAgent == null || identityAgent.isEmpty() || identityAgent.equals(SSH_AUTH_SOCK)) {
      String socket = SystemReader.getInstance().getenv(SSH_AUTH_SOCK);
      if (socket == null || socket.isEmpty()) {
        return new Unavailable(null, notes); // no agent, as for OpenSSH: nothing to say
      }
      return connector(socket, "SSH_AUTH_SOCK");
    }
    if (identityAgent.equalsIgnoreCase("none")) {
      return new Unavailable(null, notes);
    }
    return connector(expand(identityAgent, homeDir), "IdentityAgent");
  }

  private Connector connector(String socket, String origin) throws IOException {
    try {
      return new UnixSocketAgentConnector(Path.of(socket), origin, notes);
    } catch (InvalidPathException e) {
      throw new IOException(origin + " " + socket + " is not a valid socket path: " + e.getMessage(), e);
    }
  }

  /**
   * OpenSSH's expansion of an IdentityAgent path that JGit passes on as it read it: {@code ~} and {@code ${VAR}}.
   * JGit has already made a relative value absolute against the home directory, which turns {@code ${VAR}/x} into
   * {@code <home>/${VAR}/x}: that prefix is taken off again.
   */
  static String expand(String value, File homeDir) throws IOException {
    String path = value;
    if (homeDir != null) {
      String prefix = homeDir.getAbsolutePath() + File.separator + "${";
      if (path.startsWith(prefix)) {
        path = path.substring(prefix.length() - 2);
      }
    }
    if (path.equals("~") || path.startsWith("~/")) {
      String home = homeDir != null ? homeDir.getAbsolutePath() : System.getProperty("user.home");
      path = home + path.substring(1);
    }
    Matcher m = ENVIRONMENT_VARIABLE.matcher(path);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String variable = SystemReader.getInstance().getenv(m.group(1));
      if (variable == null) {
        throw new IOException("IdentityAgent " + value + ": environment variable " + m.group(1) + " is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(variable));
    }
    m.appendTail(out);
    return out.toString();
  }

  @Override
  public boolean isSupported() {
    return true;
  }

  @Override
  public String getName() {
    return "jgit-pomerium (JDK Unix-domain sockets)";
  }

  @Override
  public Collection<ConnectorDescriptor> getSupportedConnectors() {
    return List.of(DEFAULT);
  }

  @Override
  public ConnectorDescriptor getDefaultConnector() {
    return DEFAULT;
  }

  /** No agent: connect() answers false, after saying why once when there is something to say. */
  private static final class Unavailable implements Connector {
    private final String reason;
    private final AuthenticationNotes notes;

    Unavailable(String reason, AuthenticationNotes notes) {
      this.reason = reason;
      this.notes = notes;
    }

    @Override
    public boolean connect() {
      if (reason != null) {
        log.warn("{}", reason);
        notes.add(reason.substring(0, 1).toUpperCase(Locale.ROOT) + reason.substring(1) + ".");
      }
      return false;
    }

    @Override
    public byte[] rpc(byte command, byte[] message) throws IOException {
      throw new IOException("no SSH agent");
    }

    @Override
    public void close() {}
  }
}
