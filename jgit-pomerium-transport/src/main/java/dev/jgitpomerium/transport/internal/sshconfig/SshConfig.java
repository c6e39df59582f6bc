package dev.jgitpomerium.transport.internal.sshconfig;

import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.HeadReader;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
 */
public final class SshConfig {
  private static final Logger log = LoggerFactory.getLogger(SshConfig.class);
  private static final int MAX_INCLUDE_DEPTH = 16;
  private static final int MAX_IDENTITY_FILES = 100;
  private static final String WHITESPACE = " \t\r\n";
  private static final Pattern DIGITS = Pattern.compile("[+-]?[0-9]+");

  /** How OpenSSH parses and keeps a keyword's arguments. */
  enum Kind {
    /** One word; first wins. */
    STRING,
    /** The rest of the line as written; first wins. */
    COMMAND,
    JUMP,
    PORT,
    TIME,
    INT,
    /** One of a fixed set of words. */
    STATES,
    /** One path; every value is kept, duplicates dropped. */
    FILES,
    AGENT,
    /** A list of words on one line; the first line wins. */
    LIST,
    /** Words on any number of lines, all kept. */
    ACCUMULATE,
    /** Any arguments, not checked here; first wins. */
    ANY,
    IGNORE,
    HOST,
    MATCH,
    INCLUDE
  }

  record Keyword(String name, Kind kind, Set<String> states) {}

  private static final Set<String> FLAG = Set.of("yes", "no", "true", "false");
  private static final Map<String, Keyword> KEYWORDS = keywords();

  private static Map<String, Keyword> keywords() {
    Map<String, Keyword> k = new HashMap<>();
    Object[][] table = {
        {"Host", Kind.HOST}, {"Match", Kind.MATCH}, {"Include", Kind.INCLUDE},
        {"HostName", Kind.STRING}, {"User", Kind.STRING}, {"HostKeyAlias", Kind.STRING},
        {"PreferredAuthentications", Kind.STRING}, {"BindAddress", Kind.STRING}, {"BindInterface", Kind.STRING},
        {"PKCS11Provider", Kind.STRING}, {"SecurityKeyProvider", Kind.STRING}, {"XAuthLocation", Kind.STRING},
        {"KbdInteractiveDevices", Kind.STRING}, {"IgnoreUnknown", Kind.STRING}, {"ControlPath", Kind.STRING},
        {"RevokedHostKeys", Kind.STRING}, {"Ciphers", Kind.STRING}, {"MACs", Kind.STRING},
        {"KexAlgorithms", Kind.STRING}, {"HostKeyAlgorithms", Kind.STRING}, {"CASignatureAlgorithms", Kind.STRING},
        {"HostbasedAcceptedAlgorithms", Kind.STRING}, {"PubkeyAcceptedAlgorithms", Kind.STRING},
        {"LogLevel", Kind.STRING}, {"SyslogFacility", Kind.STRING}, {"EscapeChar", Kind.STRING},
        {"StreamLocalBindMask", Kind.STRING}, {"FingerprintHash", Kind.STRING}, {"TunnelDevice", Kind.STRING},
        {"ProxyCommand", Kind.COMMAND}, {"LocalCommand", Kind.COMMAND}, {"RemoteCommand", Kind.COMMAND},
        {"KnownHostsCommand", Kind.COMMAND}, {"ProxyJump", Kind.JUMP}, {"Port", Kind.PORT},
        {"ConnectTimeout", Kind.TIME}, {"ServerAliveInterval", Kind.TIME}, {"ForwardX11Timeout", Kind.TIME},
        {"ServerAliveCountMax", Kind.INT}, {"ConnectionAttempts", Kind.INT}, {"NumberOfPasswordPrompts", Kind.INT},
        {"CanonicalizeMaxDots", Kind.INT}, {"RequiredRSASize", Kind.INT},
        {"IdentityFile", Kind.FILES}, {"CertificateFile", Kind.FILES}, {"IdentityAgent", Kind.AGENT},
        {"UserKnownHostsFile", Kind.LIST}, {"GlobalKnownHostsFile", Kind.LIST}, {"CanonicalDomains", Kind.LIST},
        {"CanonicalizePermittedCNAMEs", Kind.LIST}, {"LogVerbose", Kind.LIST}, {"SetEnv", Kind.LIST},
        {"SendEnv", Kind.ACCUMULATE}, {"LocalForward", Kind.ACCUMULATE}, {"RemoteForward", Kind.ACCUMULATE},
        {"DynamicForward", Kind.ACCUMULATE},
        {"ForwardAgent", Kind.ANY}, {"ControlPersist", Kind.ANY}, {"IPQoS", Kind.ANY},
        {"AddKeysToAgent", Kind.ANY}, {"PermitRemoteOpen", Kind.ANY}, {"RekeyLimit", Kind.ANY},
        // Keywords of OpenSSH releases after 9.2: accepted, so a configuration written for a newer ssh still works.
        {"Tag", Kind.STRING}, {"ChannelTimeout", Kind.ANY}, {"ObscureKeystrokeTiming", Kind.ANY},
        {"EnableEscapeCommandline", Kind.STATES}, {"RefuseConnection", Kind.ANY}, {"WarnWeakCrypto", Kind.ANY},
        {"VersionAddendum", Kind.ANY},
        // Debian's own keywords: its ssh accepts them, so a configuration written there must work here.
        {"GSSAPIClientIdentity", Kind.STRING}, {"GSSAPIServerIdentity", Kind.STRING},
        {"GSSAPIKexAlgorithms", Kind.STRING},
        // Deprecated and unsupported options: OpenSSH ignores them (with a message).
        {"Protocol", Kind.IGNORE}, {"Cipher", Kind.IGNORE}, {"FallBackToRsh", Kind.IGNORE},
        {"GlobalKnownHostsFile2", Kind.IGNORE}, {"RhostsAuthentication", Kind.IGNORE},
        {"UserKnownHostsFile2", Kind.IGNORE}, {"UseRoaming", Kind.IGNORE}, {"UseRsh", Kind.IGNORE},
        {"UsePrivilegedPort", Kind.IGNORE}, {"AFSTokenPassing", Kind.IGNORE},
        {"KerberosAuthentication", Kind.IGNORE}, {"KerberosTGTPassing", Kind.IGNORE},
        {"RSAAuthentication", Kind.IGNORE}, {"RhostsRSAAuthentication", Kind.IGNORE},
        {"CompressionLevel", Kind.IGNORE},
    };
    for (Object[] row : table) {
      String name = (String) row[0];
      k.put(name.toLowerCase(Locale.ROOT), new Keyword(name, (Kind) row[1], FLAG));
    }
    if (System.getProperty("os.name", "").startsWith("Mac")) {
      // Apple's ssh reads it (the keychain holds key passphrases); every other ssh refuses it.
      k.put("usekeychain", new Keyword("UseKeychain", Kind.IGNORE, FLAG));
    }
    String[] flags = {"ForwardX11", "ForwardX11Trusted", "GatewayPorts", "ExitOnForwardFailure",
        "PasswordAuthentication", "KbdInteractiveAuthentication", "HostbasedAuthentication", "GSSAPIAuthentication",
        "GSSAPIDelegateCredentials", "BatchMode", "CheckHostIP", "TCPKeepAlive", "IdentitiesOnly",
        "EnableSSHKeysign", "ClearAllForwardings", "HashKnownHosts", "PermitLocalCommand", "VisualHostKey",
        "StdinNull", "ForkAfterAuthentication", "ProxyUseFdpass", "CanonicalizeFallbackLocal",
        "StreamLocalBindUnlink", "EnableEscapeCommandline", "NoHostAuthenticationForLocalhost",
        "GSSAPIKeyExchange", "GSSAPIRenewalForcesRekey", "GSSAPITrustDns"};
    for (String name : flags) {
      k.put(name.toLowerCase(Locale.ROOT), new Keyword(name, Kind.STATES, FLAG));
    }
    Object[][] states = {
        {"StrictHostKeyChecking", "yes no true false ask off accept-new"},
        {"VerifyHostKeyDNS", "yes no true false ask"}, {"UpdateHostKeys", "yes no true false ask"},
        {"ControlMaster", "yes no true false auto ask autoask"}, {"RequestTTY", "yes no true false force auto"},
        {"AddressFamily", "inet inet6 any"}, {"CanonicalizeHostname", "yes no true false always"},
        {"PubkeyAuthentication", "yes no true false unbound host-bound"},
        {"Tunnel", "yes no true false ethernet point-to-point"}, {"SessionType", "none subsystem default"},
        {"Compression", "yes no"},
    };
    for (Object[] row : states) {
      String name = (String) row[0];
      k.put(name.toLowerCase(Locale.ROOT), new Keyword(name, Kind.STATES, Set.of(((String) row[1]).split(" "))));
    }
    String[][] aliases = {{"identityfile2", "identityfile"}, {"keepalive", "tcpkeepalive"},
        {"challengeresponseauthentication", "kbdinteractiveauthentication"},
        {"skeyauthentication", "kbdinteractiveauthentication"}, {"tisauthentication", "kbdinteractiveauthentication"},
        {"dsaauthentication", "pubkeyauthentication"}, {"hostbasedkeytypes", "hostbasedacceptedalgorithms"},
        {"pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"}, {"smartcarddevice", "pkcs11provider"}};
    for (String[] alias : aliases) {
      k.put(alias[0], k.get(alias[1]));
    }
    return Collections.unmodifiableMap(k);
  }

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
      Integer serverAliveCountMax, String originalHost, String hostKeyAlias, String proxyCommandSource) {

    public HostEntry(String host, int port, String user, String proxyCommand) {
      this(host, port, user, proxyCommand, null, null, host, null, null);
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
      } catch (IllegalArgumentException e) {
        throw new SshConfigException(null, 0, (proxyCommandSource == null ? "" : proxyCommandSource + ": ")
            + "ProxyCommand '" + command + "': " + e.getMessage(), e);
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
    Reader first = new Reader(options, environment, exec, hostArg, hostArg, false);
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
      new Reader(options, environment, exec, current, hostArg, true).readTop(config, checkPermissions);
    }
    return new Resolution(options, environment, hostArg, current);
  }

  private static String expandHostName(Value hostName, String host) throws SshConfigException {
    try {
      return percentExpand(hostName.first(), Map.of('h', host), null);
    } catch (IllegalArgumentException e) {
      throw new SshConfigException(hostName.file(), hostName.line(),
          hostName.where() + ": HostName '" + hostName.first() + "': " + e.getMessage(), e);
    }
  }

  /** OpenSSH's CanonicalizeHostname: a bare name tried with each CanonicalDomains suffix, through the resolver. */
  private static String canonicalize(String host, Options options, String mode) throws SshConfigException {
    if (host.endsWith(".")) {
      return host.substring(0, host.length() - 1);
    }
    boolean proxied = !isNone(options.first("proxycommand")) || !isNone(options.first("proxyjump"));
    Value domains = options.single("canonicaldomains");
    if ((proxied && !mode.equals("always")) || domains == null) {
      return host;
    }
    String dotsValue = options.first("canonicalizemaxdots");
    int maxDots = dotsValue == null ? 1 : Integer.parseInt(dotsValue);
    if (host.chars().filter(c -> c == '.').count() > maxDots) {
      return host;
    }
    for (String domain : domains.args()) {
      String candidate = host + "." + domain;
      try {
        InetAddress.getByName(candidate + ".");
        return candidate.toLowerCase(Locale.ROOT);
      } catch (UnknownHostException e) {
        // try the next domain, as OpenSSH does
      }
    }
    String fallback = options.first("canonicalizefallbacklocal");
    if (fallback != null && (fallback.equals("no") || fallback.equals("false"))) {
      throw new SshConfigException(null, 0, "Could not resolve host \"" + host + "\" in CanonicalDomains "
          + domains.args() + " (CanonicalizeFallbackLocal no)", null);
    }
    return host;
  }

  static boolean isNone(String value) {
    return value == null || value.equalsIgnoreCase("none");
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static boolean isAddress(String host) {
    return host.indexOf(':') >= 0 || host.matches("[0-9]+(\\.[0-9]+){3}");
  }

  /** The values set so far: OpenSSH's Options, first value wins. */
  static final class Options {
    private final Map<String, Value> single = new LinkedHashMap<>();
    private final Map<String, List<Value>> multi = new LinkedHashMap<>();

    Value single(String keyword) {
      return single.get(keyword);
    }

    String first(String keyword) {
      Value v = single.get(keyword);
      return v == null ? null : v.first().toLowerCase(Locale.ROOT);
    }

    void set(String keyword, Value value) {
      single.putIfAbsent(keyword, value);
    }

    void replace(String keyword, Value value) {
      single.put(keyword, value);
    }

    List<Value> all(String keyword) {
      return multi.getOrDefault(keyword, List.of());
    }

    void add(String keyword, Value value) {
      multi.computeIfAbsent(keyword, k -> new ArrayList<>()).add(value);
    }
  }

  /** One pass over the files, as {@code read_config_file} with its flags. */
  private static final class Reader {
    final Options options;
    final Environment environment;
    final Exec exec;
    /** What Host lines match: the host as written in the first pass, the final host name in the final pass. */
    final String host;
    final String originalHost;
    final boolean finalPass;
    boolean wantFinal;

    Reader(Options options, Environment environment, Exec exec, String host, String originalHost,
        boolean finalPass) {
      this.options = options;
      this.environment = environment;
      this.exec = exec;
      this.host = host;
      this.originalHost = originalHost;
      this.finalPass = finalPass;
    }

    void readTop(Path config, boolean checkPermissions) throws SshConfigException {
      boolean[] active = {true};
      read(config, checkPermissions, false, active, 0);
    }

    /** Reads one file; {@code active} is the including block's state, shared as OpenSSH shares its pointer. */
    void read(Path file, boolean checkPermissions, boolean neverMatch, boolean[] active, int depth)
        throws SshConfigException {
      if (depth > MAX_INCLUDE_DEPTH) {
        throw new SshConfigException(file, 0, display(file) + ": Too many recursive configuration includes (more "
            + "than " + MAX_INCLUDE_DEPTH + " levels of Include)", null);
      }
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        return; // OpenSSH reads a missing file as empty
      } catch (IOException e) {
        if (!Files.exists(file)) {
          return;
        }
        throw new SshConfigException(file, 0, "Can't open user config file " + display(file) + ": " + e, e);
      }
      if (checkPermissions) {
        checkPermissions(file);
      }
      int number = 0;
      for (String line : lines) {
        number++;
        processLine(file, number, line, neverMatch, active, depth);
      }
    }

    private void processLine(Path file, int number, String rawLine, boolean neverMatch, boolean[] active,
        int depth) throws SshConfigException {
      String line = stripTrailing(rawLine);
      Delimiter str = new Delimiter(line);
      String keyword = str.next(true);
      if (keyword != null && keyword.isEmpty()) {
        keyword = str.next(true);
      }
      if (keyword == null || keyword.isEmpty() || keyword.startsWith("#")) {
        return;
      }
      keyword = keyword.toLowerCase(Locale.ROOT);
      String rest = str.rest();
      if (rest == null || rest.isEmpty()) {
        throw error(file, number, "no argument after keyword \"" + keyword + "\"");
      }
      Keyword k = KEYWORDS.get(keyword);
      if (k == null) {
        Value ignore = options.single("ignoreunknown");
        if (ignore != null && matchPatternList(keyword, ignore.first(), true) == 1) {
          return;
        }
        throw error(file, number, "Bad configuration option: " + keyword);
      }
      List<String> args = argvSplit(rest);
      if (args == null) {
        throw error(file, number, "invalid quotes");
      }
      boolean on = active[0];
      String key = k.name().toLowerCase(Locale.ROOT);
      switch (k.kind()) {
        case HOST -> {
          active[0] = false;
          for (String arg : args) {
            if (arg.isEmpty()) {
              throw error(file, number, "keyword " + keyword + " empty argument");
            }
            if (neverMatch) {
              break;
            }
            boolean negated = arg.startsWith("!");
            if (matchPattern(host, negated ? arg.substring(1) : arg)) {
              if (negated) {
                active[0] = false;
                break;
              }
              active[0] = true;
            }
          }
          return;
        }
        case MATCH -> {
          boolean value = match(file, number, rest);
          active[0] = !neverMatch && value;
          return;
        }
        case INCLUDE -> {
          include(file, number, args, active, depth);
          return;
        }
        case IGNORE -> {
          log.debug("{} line {}: deprecated or unsupported option \"{}\" ignored", display(file), number, keyword);
          return;
        }
        case COMMAND -> {
          String command = rest.substring(span(rest, 0, WHITESPACE + "="));
          if (on && !(key.equals("proxycommand") && options.single("proxyjump") != null)) {
            options.set(key, new Value(List.of(command), command, file, number));
          }
          return;
        }
        case JUMP -> {
          String jump = rest.substring(span(rest, 0, WHITESPACE + "="));
          int hash = jump.indexOf('#');
          String value = (hash >= 0 ? jump.substring(0, hash) : jump).strip();
          if (value.isEmpty()) {
            throw error(file, number, "Invalid ProxyJump \"" + jump + "\"");
          }
          if (on && options.single("proxycommand") == null && options.single("proxyjump") == null) {
            options.set("proxyjump", new Value(List.of(value), value, file, number));
            if (!value.equalsIgnoreCase("none")) {
              options.set("proxycommand", new Value(List.of("none"), "none", file, number));
            }
          }
          return;
        }
        default -> {
          // the ordinary keywords below
        }
      }
      String arg = args.isEmpty() ? null : args.get(0);
      switch (k.kind()) {
        case STRING, FILES, AGENT -> {
          if (arg == null || arg.isEmpty()) {
            throw error(file, number, "Missing argument.");
          }
          if (k.kind() == Kind.AGENT) {
            checkAgent(file, number, arg);
          }
        }
        case PORT -> {
          if (arg == null || arg.isEmpty()) {
            throw error(file, number, "Missing argument.");
          }
          if (toPort(arg) <= 0) {
            throw error(file, number, "Bad port '" + arg + "'.");
          }
        }
        case TIME -> {
          if (arg == null || arg.isEmpty()) {
            throw error(file, number, "missing time value.");
          }
          if (!arg.equals("none") && convtime(arg) < 0) {
            throw error(file, number, "invalid time value.");
          }
        }
        case INT -> {
          String problem = atoiError(arg);
          if (problem != null) {
            throw error(file, number, "integer value " + problem + ".");
          }
        }
        case STATES -> {
          if (arg == null || arg.isEmpty()) {
            throw error(file, number, "missing argument.");
          }
          if (!k.states().contains(arg.toLowerCase(Locale.ROOT))) {
            throw error(file, number, "unsupported option \"" + arg + "\".");
          }
        }
        case LIST -> {
          for (int i = 0; i < args.size(); i++) {
            if (args.get(i).isEmpty()) {
              throw error(file, number, "keyword " + keyword + " empty argument");
            }
            if (args.get(i).equalsIgnoreCase("none") && args.size() > 1) {
              throw error(file, number, "keyword " + keyword + " \"none\" argument must appear alone.");
            }
          }
        }
        case ACCUMULATE -> {
          if (args.isEmpty()) {
            throw error(file, number, "Missing argument.");
          }
        }
        default -> {
          // ANY: OpenSSH checks these; the library does not use them
        }
      }
      if (args.size() > 1 && Set.of(Kind.STRING, Kind.FILES, Kind.AGENT, Kind.PORT, Kind.TIME, Kind.INT,
          Kind.STATES).contains(k.kind())) {
        throw error(file, number, "keyword " + keyword + " extra arguments at end of line");
      }
      if (!on) {
        return;
      }
      Value value = new Value(List.copyOf(args), rest, file, number);
      switch (k.kind()) {
        case FILES -> {
          boolean duplicate = options.all(key).stream().anyMatch(v -> v.first().equals(arg));
          if (!duplicate) {
            if (options.all(key).size() >= MAX_IDENTITY_FILES) {
              throw error(file, number, "Too many " + k.name() + " files specified (max " + MAX_IDENTITY_FILES
                  + ").");
            }
            options.add(key, value);
          }
        }
        case ACCUMULATE -> options.add(key, value);
        default -> options.set(key, value);
      }
    }

    private void include(Path file, int number, List<String> args, boolean[] active, int depth)
        throws SshConfigException {
      for (String arg : args) {
        if (arg.isEmpty()) {
          throw error(file, number, "keyword include empty argument");
        }
        String pattern = !arg.startsWith("/") && !arg.startsWith("~")
            ? environment.sshDirectory().toString() + "/" + arg
            : arg;
        if (pattern.startsWith("~/") || pattern.equals("~")) {
          pattern = environment.includeHome().toString() + pattern.substring(1);
        } else if (pattern.startsWith("~")) {
          throw error(file, number, "bad include path " + arg + " (~user is not supported here)");
        }
        List<Path> matches;
        try {
          matches = glob(pattern);
        } catch (IOException | RuntimeException e) {
          throw error(file, number, "glob failed for " + pattern + ": " + e.getMessage());
        }
        boolean wasActive = active[0];
        for (Path included : matches) {
          read(included, true, !wasActive, active, depth + 1);
          active[0] = wasActive; // an included file's Host and Match lines do not change the including block
        }
      }
    }

    /** OpenSSH's match_cfg_line. */
    private boolean match(Path file, int number, String condition) throws SshConfigException {
      String port = options.single("port") != null ? options.single("port").first() : "22";
      String remoteUser = options.single("user") != null ? options.single("user").first()
          : environment.localUser();
      String matchHost;
      if (finalPass) {
        matchHost = options.single("hostname").first();
      } else if (options.single("hostname") != null) {
        matchHost = expandHostName(options.single("hostname"), host);
      } else {
        matchHost = host;
      }
      Delimiter cp = new Delimiter(condition);
      boolean result = true;
      int attributes = 0;
      String attribute;
      while ((attribute = cp.next(true)) != null && !attribute.isEmpty()) {
        if (attribute.startsWith("#")) {
          break;
        }
        boolean negate = attribute.startsWith("!");
        String name = (negate ? attribute.substring(1) : attribute).toLowerCase(Locale.ROOT);
        if (name.equals("all")) {
          String next = cp.next(true);
          if (attributes > 1 || (next != null && !next.isEmpty() && !next.startsWith("#"))) {
            throw error(file, number, "'" + attribute + "' cannot be combined with other Match attributes");
          }
          return result && !negate;
        }
        attributes++;
        if (name.equals("canonical") || name.equals("final")) {
          if (name.equals("final")) {
            wantFinal = true;
          }
          if (finalPass == negate) {
            result = false;
          }
          continue;
        }
        String arg = cp.next(true);
        if (arg == null || arg.isEmpty() || arg.startsWith("#")) {
          throw error(file, number, "Missing Match criteria for " + name);
        }
        boolean matched;
        switch (name) {
          case "host" -> matched = matchPatternList(matchHost.toLowerCase(Locale.ROOT), arg, true) == 1;
          case "originalhost" -> matched = matchPatternList(originalHost.toLowerCase(Locale.ROOT), arg, true) == 1;
          case "user" -> matched = matchPatternList(remoteUser, arg, false) == 1;
          case "localuser" -> matched = matchPatternList(environment.localUser(), arg, false) == 1;
          case "tagged" -> {
            Value tag = options.single("tag");
            matched = matchPatternList(tag == null ? "" : tag.first(), arg, false) == 1;
          }
          case "exec" -> {
            if (!result) {
              continue; // OpenSSH skips the command once an earlier criterion failed
            }
            Map<Character, String> tokens = new HashMap<>();
            tokens.put('C', connectionHash(environment.localHost(), matchHost, port, remoteUser));
            tokens.put('L', shortHost(environment.localHost()));
            tokens.put('d', environment.home().toString());
            tokens.put('h', matchHost);
            Value alias = options.single("hostkeyalias");
            tokens.put('k', alias != null ? alias.first() : matchHost);
            tokens.put('l', environment.localHost());
            tokens.put('n', originalHost);
            tokens.put('p', port);
            tokens.put('r', remoteUser);
            tokens.put('u', environment.localUser());
            tokens.put('i', environment.uid());
            String command;
            try {
              command = percentExpand(arg, tokens, null);
            } catch (IllegalArgumentException e) {
              throw error(file, number, "match exec '" + arg + "': " + e.getMessage());
            }
            int status;
            try {
              status = exec.run(command, environment);
            } catch (IOException e) {
              throw error(file, number, "match exec '" + command + "' error: " + e.getMessage());
            }
            matched = status == 0;
          }
          default -> throw error(file, number, "Unsupported Match attribute " + name);
        }
        if (matched == negate) {
          result = false;
        }
      }
      if (attributes == 0) {
        throw error(file, number, "One or more attributes required for Match");
      }
      return result;
    }

    private void checkAgent(Path file, int number, String arg) throws SshConfigException {
      try {
        percentExpand(arg, null, environment.environment());
      } catch (IllegalArgumentException e) {
        throw error(file, number, "Invalid environment expansion " + arg + ".");
      }
      if (arg.startsWith("$") && !arg.startsWith("${") && !validEnvName(arg.substring(1))) {
        throw error(file, number, "Invalid environment name " + arg + ".");
      }
    }
  }

  private static SshConfigException error(Path file, int line, String problem) {
    return new SshConfigException(file, line, display(file) + " line " + line + ": " + problem, null);
  }

  /** The path as a user would write it: under the JVM's home, {@code ~/...}. */
  static String display(Path file) {
    if (file == null) {
      return "ssh config";
    }
    String home = System.getProperty("user.home");
    String path = file.toString();
    return home != null && !home.isEmpty() && path.startsWith(home + File.separator)
        ? "~" + path.substring(home.length()) : path;
  }

  private static void checkPermissions(Path file) throws SshConfigException {
    try {
      Object owner = Files.getAttribute(file, "unix:uid");
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      String uid = processUid();
      boolean badOwner = owner instanceof Integer o && o != 0 && !uid.isEmpty() && !Integer.toString(o).equals(uid);
      boolean writable = mode.contains(PosixFilePermission.OTHERS_WRITE)
          || mode.contains(PosixFilePermission.GROUP_WRITE) && !privateGroup(file, owner);
      if (badOwner || writable) {
        throw new SshConfigException(file, 0, "Bad owner or permissions on " + display(file)
            + " (it must be yours and writable by no one else, as OpenSSH requires)", null);
      }
    } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
      if (e instanceof SshConfigException s) {
        throw s;
      }
      // not a POSIX file system: OpenSSH for Windows checks ACLs, which we leave to it
    }
  }

  /**
   * Whether the file's group is the owner's own (Debian's OpenSSH, whose {@code secure_permissions} then accepts a
   * group-writable file, as a umask of 002 makes it): the group has exactly one member, the owner, counting primary
   * groups in /etc/passwd and members in /etc/group. Unknown users or groups count as shared.
   */
  private static boolean privateGroup(Path file, Object owner) {
    try {
      Object gid = Files.getAttribute(file, "unix:gid");
      List<String[]> users = Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8).stream()
          .map(l -> l.split(":", -1)).filter(f -> f.length >= 4).toList();
      String ownerName = users.stream().filter(f -> f[2].equals(String.valueOf(owner))).map(f -> f[0]).findFirst()
          .orElse(null);
      String[] group = Files.readAllLines(Path.of("/etc/group"), StandardCharsets.UTF_8).stream()
          .map(l -> l.split(":", -1)).filter(f -> f.length >= 4 && f[2].equals(String.valueOf(gid))).findFirst()
          .orElse(null);
      if (ownerName == null || group == null) {
        return false;
      }
      List<String[]> primary = users.stream().filter(f -> f[3].equals(String.valueOf(gid))).toList();
      if (primary.stream().anyMatch(f -> !f[0].equals(ownerName))) {
        return false;
      }
      List<String> members = group[3].isEmpty() ? List.of() : List.of(group[3].split(","));
      if (members.size() > 1 || members.size() == 1 && !members.get(0).equals(ownerName)) {
        return false;
      }
      return !primary.isEmpty() || !members.isEmpty();
    } catch (IOException | RuntimeException e) {
      return false;
    }
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
          command == null || command.file() == null ? null : command.where());
    }

    /**
     * The same settings in JGit's form: single values by OpenSSH's keyword names, IdentityFile, CertificateFile,
     * UserKnownHostsFile and the other lists as lists, with HostName, Port and User always set, and the paths
     * expanded as OpenSSH expands them.
     */
    public SshConfigStore.HostConfig toJGit() throws SshConfigException {
      Map<String, String> single = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      Map<String, List<String>> multi = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (Map.Entry<String, Value> e : options.single.entrySet()) {
        Keyword k = KEYWORDS.get(e.getKey());
        String name = k == null ? e.getKey() : k.name();
        Value v = e.getValue();
        if (k != null && k.kind() == Kind.LIST) {
          multi.put(name, v.args());
        } else if (k != null && (k.kind() == Kind.COMMAND || k.kind() == Kind.JUMP)) {
          single.put(name, v.raw());
        } else {
          single.put(name, v.first());
        }
      }
      for (Map.Entry<String, List<Value>> e : options.multi.entrySet()) {
        Keyword k = KEYWORDS.get(e.getKey());
        List<String> values = new ArrayList<>();
        for (Value v : e.getValue()) {
          values.addAll(k.kind() == Kind.FILES ? List.of(v.first()) : v.args());
        }
        multi.put(k.name(), values);
      }
      single.put("HostName", hostName);
      single.put("Port", Integer.toString(port()));
      single.put("User", user());
      multi.remove("IdentityFile");
      if (!identityFiles().isEmpty()) {
        multi.put("IdentityFile", identityFiles());
      }
      multi.remove("CertificateFile");
      if (!certificateFiles().isEmpty()) {
        multi.put("CertificateFile", certificateFiles());
      }
      if (!userKnownHostsFiles().isEmpty()) {
        multi.put("UserKnownHostsFile", userKnownHostsFiles());
      }
      if (identityAgent() != null) {
        single.put("IdentityAgent", identityAgent());
      }
      Value control = options.single("controlpath");
      if (control != null) {
        single.put("ControlPath", expandPath(control.first(), control));
      }
      return new JGitHostConfig(single, multi);
    }
  }

  private record JGitHostConfig(Map<String, String> options, Map<String, List<String>> lists)
      implements SshConfigStore.HostConfig {

    @Override
    public String getValue(String key) {
      String value = options.get(key);
      if (value == null) {
        List<String> values = lists.get(key);
        value = values == null || values.isEmpty() ? null : values.get(0);
      }
      return value;
    }

    @Override
    public List<String> getValues(String key) {
      List<String> values = lists.get(key);
      return values == null ? new ArrayList<>() : new ArrayList<>(values);
    }

    @Override
    public Map<String, String> getOptions() {
      return Collections.unmodifiableMap(options);
    }

    @Override
    public Map<String, List<String>> getMultiValuedOptions() {
      return Collections.unmodifiableMap(lists);
    }
  }

  // ---- OpenSSH's helpers (misc.c, match.c), with their semantics ----

  /**
   * {@code percent_expand} / {@code dollar_expand}: %-tokens from {@code tokens} (null: none allowed; {@code %%} is a
   * percent sign) and, when {@code environment} is non-null, {@code ${VAR}}.
   *
   * @throws IllegalArgumentException for an unknown token, a trailing %, or an unset or malformed variable
   */
  public static String percentExpand(String input, Map<Character, String> tokens, UnaryOperator<String> environment) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (environment != null && c == '$' && i + 1 < input.length() && input.charAt(i + 1) == '{') {
        int close = input.indexOf('}', i + 2);
        if (close < 0) {
          throw new IllegalArgumentException("environment variable '" + input.substring(i + 2)
              + "' missing closing '}'");
        }
        String name = input.substring(i + 2, close);
        if (name.isEmpty()) {
          throw new IllegalArgumentException("zero-length environment variable");
        }
        String value = environment.apply(name);
        if (value == null) {
          throw new IllegalArgumentException("env var ${" + name + "} has no value");
        }
        out.append(value);
        i = close;
      } else if (c == '%' && tokens != null) {
        if (i + 1 >= input.length()) {
          throw new IllegalArgumentException("invalid format: '%' at the end");
        }
        char t = input.charAt(++i);
        if (t == '%') {
          out.append('%');
        } else if (tokens.containsKey(t)) {
          out.append(tokens.get(t));
        } else {
          throw new IllegalArgumentException("unknown key %" + t);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** match.c's match_pattern: {@code *} and {@code ?}, case-sensitive. */
  static boolean matchPattern(String s, String pattern) {
    return matchPattern(s, 0, pattern, 0);
  }

  private static boolean matchPattern(String s, int si, String p, int pi) {
    while (true) {
      if (pi == p.length()) {
        return si == s.length();
      }
      char c = p.charAt(pi);
      if (c == '*') {
        while (pi < p.length() && p.charAt(pi) == '*') {
          pi++;
        }
        if (pi == p.length()) {
          return true;
        }
        for (int i = si; i < s.length(); i++) {
          if (matchPattern(s, i, p, pi)) {
            return true;
          }
        }
        return false;
      }
      if (si == s.length() || (c != '?' && c != s.charAt(si))) {
        return false;
      }
      si++;
      pi++;
    }
  }

  /** match.c's match_pattern_list: -1 when a negated pattern matches, 1 for a positive match, else 0. */
  static int matchPatternList(String s, String patterns, boolean lower) {
    boolean positive = false;
    for (String sub : patterns.split(",", -1)) {
      boolean negated = sub.startsWith("!");
      String p = negated ? sub.substring(1) : sub;
      if (lower) {
        p = p.toLowerCase(Locale.ROOT);
      }
      if (matchPattern(s, p)) {
        if (negated) {
          return -1;
        }
        positive = true;
      }
    }
    return positive ? 1 : 0;
  }

  /** misc.c's argv_split with comments: words, quotes, a few backslash escapes; null when a quote is unbalanced. */
  static List<String> argvSplit(String s) {
    List<String> args = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t') {
        i++;
        continue;
      }
      if (c == '#') {
        break;
      }
      StringBuilder arg = new StringBuilder();
      char quote = 0;
      for (; i < n; i++) {
        c = s.charAt(i);
        if (c == '\\' && i + 1 < n) {
          char next = s.charAt(i + 1);
          if (next == '\'' || next == '"' || next == '\\' || (quote == 0 && next == ' ')) {
            arg.append(next);
            i++;
          } else {
            arg.append(c);
          }
        } else if (quote == 0 && (c == ' ' || c == '\t')) {
          break;
        } else if (quote == 0 && (c == '"' || c == '\'')) {
          quote = c;
        } else if (quote != 0 && c == quote) {
          quote = 0;
        } else {
          arg.append(c);
        }
      }
      if (quote != 0) {
        return null;
      }
      args.add(arg.toString());
    }
    return args;
  }

  /** misc.c's strdelim: words split on white space or one '=', double quotes kept together. */
  static final class Delimiter {
    private String s;
    private int pos;

    Delimiter(String s) {
      this.s = s;
    }

    /** What is left after the words taken so far, with leading white space skipped; null at the end. */
    String rest() {
      if (s == null) {
        return null;
      }
      return s.substring(span(s, pos, WHITESPACE));
    }

    String next(boolean splitEquals) {
      if (s == null) {
        return null;
      }
      String delimiters = WHITESPACE + "\"" + (splitEquals ? "=" : "");
      int j = pos;
      while (j < s.length() && delimiters.indexOf(s.charAt(j)) < 0) {
        j++;
      }
      if (j == s.length()) {
        String token = s.substring(pos);
        s = null;
        return token;
      }
      if (s.charAt(j) == '"') {
        int close = s.indexOf('"', j + 1);
        if (close < 0) {
          s = null;
          return null;
        }
        String token = s.substring(pos, j) + s.substring(j + 1, close);
        pos = span(s, close + 1, WHITESPACE);
        return token;
      }
      boolean equals = splitEquals && s.charAt(j) == '=';
      String token = s.substring(pos, j);
      pos = span(s, j + 1, WHITESPACE);
      if (splitEquals && pos < s.length() && s.charAt(pos) == '=' && !equals) {
        pos = span(s, pos + 1, WHITESPACE);
      }
      return token;
    }
  }

  private static int span(String s, int from, String chars) {
    int i = from;
    while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return i;
  }

  private static String stripTrailing(String line) {
    int end = line.length();
    while (end > 0 && (WHITESPACE + "\f").indexOf(line.charAt(end - 1)) >= 0) {
      end--;
    }
    return line.substring(0, end);
  }

  /** misc.c's a2port: 1 to 65535, or a service name from /etc/services; -1 or 0 when invalid. */
  static int toPort(String s) {
    if (DIGITS.matcher(s).matches()) {
      try {
        long port = Long.parseLong(s);
        return port >= 0 && port <= 65535 ? (int) port : -1;
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    try (Stream<String> services = Files.lines(Path.of("/etc/services"), StandardCharsets.ISO_8859_1)) {
      return services.map(l -> l.replaceFirst("#.*", "").trim().split("\\s+"))
          .filter(w -> w.length >= 2 && w[1].endsWith("/tcp")
              && (w[0].equals(s) || List.of(w).subList(2, w.length).contains(s)))
          .map(w -> Integer.parseInt(w[1].substring(0, w[1].indexOf('/'))))
          .findFirst().orElse(-1);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** misc.c's convtime: seconds, or sums like 1h30m; -1 when invalid. */
  static long convtime(String s) {
    if (s == null || s.isEmpty()) {
      return -1;
    }
    long total = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      if (i == start || i - start > 9) {
        return -1;
      }
      long secs = Long.parseLong(s.substring(start, i));
      long multiplier = 1;
      if (i < s.length()) {
        switch (s.charAt(i++)) {
          case 's', 'S' -> multiplier = 1;
          case 'm', 'M' -> multiplier = 60;
          case 'h', 'H' -> multiplier = 3600;
          case 'd', 'D' -> multiplier = 86_400;
          case 'w', 'W' -> multiplier = 604_800;
          default -> {
            return -1;
          }
        }
      }
      total += secs * multiplier;
      if (total > Integer.MAX_VALUE) {
        return -1;
      }
    }
    return total;
  }

  /** misc.c's atoi_err: null when {@code s} is an integer from 0 to INT_MAX, else OpenSSH's word for why not. */
  private static String atoiError(String s) {
    if (s == null || s.isEmpty()) {
      return "missing";
    }
    if (!DIGITS.matcher(s).matches()) {
      return "invalid";
    }
    if (s.startsWith("-") && !s.matches("-0+")) {
      return "too small";
    }
    String digits = s.replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
    return digits.length() > 10 || Long.parseLong(digits) > Integer.MAX_VALUE ? "too large" : null;
  }

  private static boolean validEnvName(String name) {
    return !name.isEmpty() && name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_'));
  }

  /** glob(3) for Include: wildcards in any component, dot files only when the pattern says so, sorted. */
  private static List<Path> glob(String pattern) throws IOException {
    boolean absolute = pattern.startsWith("/");
    String[] parts = pattern.split("/+");
    List<Path> current = List.of(absolute ? Path.of("/") : Path.of(""));
    for (String part : parts) {
      if (part.isEmpty()) {
        continue;
      }
      List<Path> next = new ArrayList<>();
      if (part.chars().noneMatch(c -> c == '*' || c == '?' || c == '[')) {
        for (Path p : current) {
          Path candidate = p.resolve(part);
          if (Files.exists(candidate)) {
            next.add(candidate);
          }
        }
      } else {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + part);
        for (Path p : current) {
          Path dir = p.toString().isEmpty() ? Path.of(".") : p;
          if (!Files.isDirectory(dir)) {
            continue;
          }
          try (Stream<Path> entries = Files.list(dir)) {
            entries.map(Path::getFileName)
                .filter(name -> matcher.matches(name)
                    && (!name.toString().startsWith(".") || part.startsWith(".")))
                .map(p::resolve)
                .forEach(next::add);
          }
        }
      }
      current = next;
    }
    return current.stream().filter(Files::isRegularFile).sorted((a, b) -> a.toString().compareTo(b.toString()))
        .toList();
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

  static String connectionHash(String localHost, String host, String port, String user) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      for (String part : new String[] {localHost, host, port, user}) {
        sha1.update(part.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha1.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String shortHost(String host) {
    int dot = host.indexOf('.');
    return dot < 0 ? host : host.substring(0, dot);
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
