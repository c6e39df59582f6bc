package dev.jgitpomerium.transport.internal.sshconfig;

import static dev.jgitpomerium.transport.internal.sshconfig.Arguments.convtime;
import static dev.jgitpomerium.transport.internal.sshconfig.Arguments.toPort;
import static dev.jgitpomerium.transport.internal.sshconfig.ConfigFiles.display;
import static dev.jgitpomerium.transport.internal.sshconfig.HostNames.canonicalize;
import static dev.jgitpomerium.transport.internal.sshconfig.HostNames.expandHostName;
import static dev.jgitpomerium.transport.internal.sshconfig.HostNames.isAddress;
import static dev.jgitpomerium.transport.internal.sshconfig.HostNames.unbracket;
import static dev.jgitpomerium.transport.internal.sshconfig.Tokens.connectionHash;
import static dev.jgitpomerium.transport.internal.sshconfig.Tokens.shortHost;

import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.SshConfigStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads ssh config as OpenSSH's {@code readconf.c} does, for one connection: {@code Host} and {@code Match} blocks in
 * order ({@code all}, {@code host}, {@code originalhost}, {@code user}, {@code localuser}, {@code canonical}, {@code
 * final}, {@code exec}, negation, pattern lists), the first value of a keyword wins (IdentityFile, CertificateFile,
 * the forwardings and SendEnv accumulate), {@code Include} with globs and {@code ~} (relative to ~/.ssh, nested, the
 * including block's state restored after it), quotes, {@code =} separators, keywords in any case, and OpenSSH's
 * second, "final" pass when {@code Match final} or {@code CanonicalizeHostname} asks for one. Every line is checked
 * as OpenSSH checks it, even in blocks that do not apply, and the first problem fails the resolution naming the file
 * and line.
 *
 * <p>The result serves both this library's decisions (routing, ProxyCommand, keepalives) and every keyword JGit reads
 * ({@link Resolution#toJGit()}), with %-tokens, {@code ~} and {@code ${VAR}} expanded in the keywords OpenSSH expands
 * them in.
 *
 * <p>This class is the package's entry point and its types; the work is done by {@code ConfigReader} (one pass over
 * the files: keyword checks, Host, Include) with {@code MatchCriteria}, on {@code Keywords}, {@code Lexer}, {@code
 * Patterns}, {@code Arguments} and {@code Tokens} (OpenSSH's {@code readconf.c}, {@code match.c} and {@code misc.c}),
 * {@code HostNames} between the passes, and {@code JGitHostConfig} for JGit.
 */
public final class SshConfig {
  private static final Logger log = LoggerFactory.getLogger(SshConfig.class);

  /**
   * The option of {@link Resolution#toJGit()} that carries the host as written in the git URL ({@code %n}), which
   * JGit's host entry does not keep: the name to scan a host key of (its Host block, HostKeyAlias and route follow).
   * No ssh config keyword has this name.
   */
  public static final String HOST_AS_GIVEN = "JGitPomeriumHostAsGiven";
  /** {@code ControlPersist yes} (or 0): a shared connection stays until its factory closes. */
  public static final Duration PERSIST_UNTIL_CLOSED = ChronoUnit.FOREVER.getDuration();

  /**
   * Where a resolution looks: {@code home} is the user's home for {@code ~} and {@code %d} in values (OpenSSH's
   * passwd entry), {@code includeHome} the one for {@code ~} in Include (OpenSSH's glob takes {@code $HOME}), {@code
   * sshDirectory} holds relative Includes (OpenSSH's {@code ~/.ssh}); {@code environment} answers {@code ${VAR}} and
   * {@code $SHELL} for {@code Match exec}.
   */
  public record Environment(Path home, Path includeHome, Path sshDirectory, String localUser, String localHost,
      String uid, UnaryOperator<String> environment) {

    /** The environment of this process, with {@code home} (and its .ssh) as the user's home. */
    public static Environment of(Path home, Path sshDirectory, UnaryOperator<String> environment) {
      return of(home, sshDirectory, System.getProperty("user.name", ""), environment);
    }

    public static Environment of(Path home, Path sshDirectory, String localUser, UnaryOperator<String> environment) {
      return new Environment(home, home, sshDirectory, localUser, localHostName(), processUid(), environment);
    }

    String shell() {
      String shell = environment.apply("SHELL");
      return shell == null || shell.isEmpty() ? "/bin/sh" : shell;
    }
  }

  /** One value as written, with where it was written. */
  public record Value(List<String> args, String raw, Path file, int line) {
    String first() {
      return args.isEmpty() ? raw : args.get(0);
    }

    /** {@code ~/.ssh/config line 7}, for messages. */
    public String where() {
      return display(file) + " line " + line;
    }
  }

  /**
   * A host's settings: where ssh (and JGit) connects after {@code HostName} and {@code Port}, the user, its
   * ProxyCommand line as written (null when none, {@code none}, or a ProxyJump applies), {@code ServerAliveInterval} /
   * {@code ServerAliveCountMax} (null when not set), the host as written ({@code %n}) and {@code HostKeyAlias}, and the
   * file and line of the ProxyCommand.
   */
  public record HostEntry(String host, int port, String user, String proxyCommand, Duration serverAliveInterval,
      Integer serverAliveCountMax, String originalHost, String hostKeyAlias, String proxyCommandSource,
      Boolean controlMaster, Duration controlPersist) {

    public HostEntry(String host, int port, String user, String proxyCommand) {
      this(host, port, user, proxyCommand, null, null, host, null, null, null, null);
    }

    /** OpenSSH's ProxyCommand tokens: %h host, %k host key alias, %n host as written, %p port, %r user, %% percent. */
    public String expand(String command) throws SshConfigException {
      Map<Character, String> tokens = new HashMap<>();
      tokens.put('h', host);
      tokens.put('k', hostKeyAlias != null ? hostKeyAlias : originalHost);
      tokens.put('n', originalHost);
      tokens.put('p', Integer.toString(port));
      tokens.put('r', user == null ? "" : user);
      try {
        return percentExpand(command, tokens, null);
      } catch (Tokens.BadEscape e) {
        // The line is not quoted: it may hold a token or a proxy password (a percent-encoded one is the usual cause).
        String problem = e.key == 0 ? "ends with a lone '%'" : "has an unknown escape %" + e.key;
        throw new SshConfigException(null, 0, (proxyCommandSource == null ? "" : proxyCommandSource + ": ")
            + "ProxyCommand " + problem + " (write %% for a literal %)", e);
      }
    }
  }

  /** Runs {@code Match exec} commands; returns the exit status. */
  @FunctionalInterface
  public interface Exec {
    int run(String command, Environment environment) throws IOException;
  }

  private SshConfig() {}

  /**
   * Looks {@code host} (as written in the git URL) up in {@code config}, in this process's environment with the
   * JVM's home; {@code port} and {@code user} as given in the URL (port not positive, user null: none given).
   */
  public static HostEntry lookup(Path config, String host, int port, String user) throws IOException {
    Path home = Path.of(System.getProperty("user.home"));
    Path sshDirectory = config.toAbsolutePath().getParent();
    return resolve(config, host, port, user, Environment.of(home, sshDirectory, System::getenv)).entry();
  }

  /** Resolves a connection to {@code host} as {@code ssh [-p port] [-l user] host} would. */
  public static Resolution resolve(Path config, String host, int port, String user, Environment environment)
      throws SshConfigException {
    return resolve(config, host, port, user, environment, SshConfig::execute, true);
  }

  /**
   * As {@link #resolve(Path, String, int, String, Environment)}; {@code checkPermissions} is false for a file given
   * as {@code ssh -F} does (OpenSSH checks owner and mode of ~/.ssh/config and of included files only).
   */
  public static Resolution resolve(Path config, String host, int port, String user, Environment environment,
      Exec exec, boolean checkPermissions) throws SshConfigException {
    String hostArg = unbracket(host);
    Options options = new Options();
    if (port > 0) {
      options.set("port", new Value(List.of(Integer.toString(port)), Integer.toString(port), null, 0));
    }
    if (user != null && !user.isEmpty()) {
      options.set("user", new Value(List.of(user), user, null, 0));
    }
    ConfigReader first = new ConfigReader(options, environment, exec, hostArg, hostArg, false);
    first.readTop(config, checkPermissions);
    boolean wantFinal = first.wantFinal;

    // ssh.c: HostName (with %h) takes effect, names (not addresses) are lowered, and canonicalization may apply.
    String current = hostArg;
    Value hostName = options.single("hostname");
    if (hostName != null) {
      current = expandHostName(hostName, hostArg);
    }
    boolean address = isAddress(current);
    if (!address) {
      current = current.toLowerCase(Locale.ROOT);
    }
    String canonicalize = options.first("canonicalizehostname");
    boolean canonical = canonicalize != null && !canonicalize.equals("no") && !canonicalize.equals("false");
    if (canonical && !address) {
      current = canonicalize(current, options, canonicalize);
    }
    if (canonical) {
      wantFinal = true;
    }
    if (wantFinal) {
      options.replace("hostname", new Value(List.of(current), current, null, 0));
      new ConfigReader(options, environment, exec, current, hostArg, true).readTop(config, checkPermissions);
    }
    return new Resolution(options, environment, hostArg, current);
  }

  /**
   * OpenSSH's {@code percent_expand} / {@code dollar_expand}, for ProxyCommand lines read outside this package:
   * %-tokens from {@code tokens} (null: none allowed; {@code %%} is a percent sign) and, when {@code environment} is
   * non-null, {@code ${VAR}}.
   *
   * @throws IllegalArgumentException for an unknown token, a trailing %, or an unset or malformed variable
   */
  public static String percentExpand(String input, Map<Character, String> tokens, UnaryOperator<String> environment) {
    return Tokens.percentExpand(input, tokens, environment);
  }

  /** The whole resolution of one connection. */
  public static final class Resolution {
    private final Options options;
    private final Environment environment;
    private final String originalHost;
    private final String hostName;

    Resolution(Options options, Environment environment, String originalHost, String hostName) {
      this.options = options;
      this.environment = environment;
      this.originalHost = originalHost;
      this.hostName = hostName;
    }

    /** The host as given ({@code %n}). */
    public String originalHost() {
      return originalHost;
    }

    /** Where to connect: HostName applied, lower case (addresses as written). */
    public String hostName() {
      return hostName;
    }

    public int port() {
      Value port = options.single("port");
      return port == null ? 22 : toPort(port.first());
    }

    /** The remote user: as given, else {@code User}, else the local user. */
    public String user() {
      Value user = options.single("user");
      return user == null ? environment.localUser() : user.first();
    }

    /** The first value of {@code keyword} (lower case) as written, or null. */
    public Value value(String keyword) {
      return options.single(keyword);
    }

    /** Every value of an accumulating keyword (IdentityFile, CertificateFile, SendEnv, forwardings). */
    public List<Value> values(String keyword) {
      return options.all(keyword);
    }

    /** The ProxyCommand as written; null when none, {@code none}, or a ProxyJump applies. */
    public String proxyCommand() {
      Value v = options.single("proxycommand");
      return v == null || v.first().equalsIgnoreCase("none") ? null : v.raw();
    }

    /** The expanded file names of IdentityFile ({@code none} dropped), as ssh loads them. */
    public List<String> identityFiles() throws SshConfigException {
      List<String> files = new ArrayList<>();
      for (Value v : options.all("identityfile")) {
        if (!v.first().equalsIgnoreCase("none")) {
          files.add(expandPath(v.first(), v));
        }
      }
      return files;
    }

    public List<String> certificateFiles() throws SshConfigException {
      List<String> files = new ArrayList<>();
      for (Value v : options.all("certificatefile")) {
        files.add(expandPath(v.first(), v));
      }
      return files;
    }

    /** UserKnownHostsFile expanded as ssh does; empty when not set (the caller's defaults apply). */
    public List<String> userKnownHostsFiles() throws SshConfigException {
      Value v = options.single("userknownhostsfile");
      List<String> files = new ArrayList<>();
      if (v != null) {
        for (String file : v.args()) {
          files.add(file.equalsIgnoreCase("none") ? file : expandPath(file, v));
        }
      }
      return files;
    }

    /** IdentityAgent expanded as ssh does ({@code none} and {@code SSH_AUTH_SOCK} as written); null if not set. */
    public String identityAgent() throws SshConfigException {
      Value v = options.single("identityagent");
      return v == null ? null : expandPath(v.first(), v);
    }

    /** {@code ~} and the client's %-tokens and {@code ${VAR}}, as ssh expands IdentityFile and its kin. */
    public String expandPath(String raw, Value origin) throws SshConfigException {
      String path = raw;
      if (path.equals("~") || path.startsWith("~/")) {
        String home = environment.home().toString();
        String rest = path.length() <= 2 ? "" : path.substring(2).replaceFirst("^/+", "");
        path = home + (home.endsWith("/") ? "" : "/") + rest;
      }
      try {
        return percentExpand(path, tokens(), environment.environment());
      } catch (IllegalArgumentException e) {
        throw new SshConfigException(origin.file(), origin.line(), origin.where() + ": '" + raw + "': "
            + e.getMessage(), e);
      }
    }

    private Map<Character, String> tokens() {
      Map<Character, String> t = new HashMap<>();
      String port = Integer.toString(port());
      Value alias = options.single("hostkeyalias");
      t.put('C', connectionHash(environment.localHost(), hostName, port, user()));
      t.put('L', shortHost(environment.localHost()));
      t.put('i', environment.uid());
      t.put('k', alias != null ? alias.first().toLowerCase(Locale.ROOT) : originalHost);
      t.put('l', environment.localHost());
      t.put('n', originalHost);
      t.put('p', port);
      t.put('d', environment.home().toString());
      t.put('h', hostName);
      t.put('r', user());
      t.put('u', environment.localUser());
      return t;
    }

    /** What this library needs to route and keep a connection alive. */
    public HostEntry entry() throws SshConfigException {
      Value interval = options.single("serveraliveinterval");
      Value count = options.single("serveralivecountmax");
      Value command = options.single("proxycommand");
      Value alias = options.single("hostkeyalias");
      return new HostEntry(hostName, port(), user(), proxyCommand(),
          interval == null || interval.first().equals("none") ? null : Duration.ofSeconds(convtime(interval.first())),
          count == null ? null : Integer.parseInt(count.first()), originalHost,
          alias == null ? null : alias.first().toLowerCase(Locale.ROOT),
          command == null || command.file() == null ? null : command.where(), controlMaster(), controlPersist());
    }

    /**
     * Whether this host's connections may be shared: false for {@code ControlMaster no} or {@code ControlPath none},
     * true for the other {@code ControlMaster} values, null when neither is written.
     */
    private Boolean controlMaster() {
      Value master = options.single("controlmaster");
      Value path = options.single("controlpath");
      if (path != null && path.first().equalsIgnoreCase("none")) {
        return false;
      }
      if (master == null) {
        return null;
      }
      String value = master.first().toLowerCase(Locale.ROOT);
      return !(value.equals("no") || value.equals("false"));
    }

    /**
     * {@code ControlPersist} as OpenSSH reads it: {@code no} keeps a shared connection only while it is used (zero),
     * {@code yes} or a time of 0 until the factory closes ({@link #PERSIST_UNTIL_CLOSED}), a time that long idle;
     * null when not written.
     *
     * @throws SshConfigException for a value OpenSSH refuses too, with its message
     */
    private Duration controlPersist() throws SshConfigException {
      Value persist = options.single("controlpersist");
      if (persist == null) {
        return null;
      }
      String value = persist.first().toLowerCase(Locale.ROOT);
      switch (value) {
        case "no", "false":
          return Duration.ZERO;
        case "yes", "true":
          return PERSIST_UNTIL_CLOSED;
        default:
          long seconds = convtime(value);
          if (seconds < 0) {
            throw new SshConfigException(persist.file(), persist.line(),
                persist.where() + ": Bad ControlPersist argument.", null);
          }
          return seconds == 0 ? PERSIST_UNTIL_CLOSED : Duration.ofSeconds(seconds);
      }
    }

    /**
     * The same settings in JGit's form: single values by OpenSSH's keyword names, IdentityFile, CertificateFile,
     * UserKnownHostsFile and the other lists as lists, with HostName, Port and User always set, and the paths
     * expanded as OpenSSH expands them.
     */
    public SshConfigStore.HostConfig toJGit() throws SshConfigException {
      return JGitHostConfig.of(this, options);
    }
  }

  /** Runs a {@code Match exec} command as OpenSSH does: {@code $SHELL -c}, no input, output discarded. */
  static int execute(String command, Environment environment) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(environment.shell(), "-c", command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    log.debug("Executing command: '{}'", command);
    Process process = builder.start();
    String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!errors.isEmpty()) {
      log.info("Match exec '{}': {}", command, HeadReader.printable(errors));
    }
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while running Match exec " + command);
    }
  }

  /** gethostname(), as OpenSSH's %l: the kernel's name, without a DNS lookup. */
  static String localHostName() {
    try {
      Path kernel = Path.of("/proc/sys/kernel/hostname");
      if (Files.isReadable(kernel)) {
        return Files.readString(kernel, StandardCharsets.UTF_8).strip();
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** The process's user id, for %i and the permission check; empty when unknown (not POSIX). */
  static String processUid() {
    try {
      Object owner = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return String.valueOf(owner);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}

