package dev.jgitpomerium.transport.internal.session;

import static dev.jgitpomerium.transport.internal.session.HostKeyMessages.ask;
import static dev.jgitpomerium.transport.internal.session.HostKeyMessages.describe;
import static dev.jgitpomerium.transport.internal.session.HostKeyMessages.refuseChanged;
import static dev.jgitpomerium.transport.internal.session.HostKeyMessages.refuseRevoked;
import static dev.jgitpomerium.transport.internal.session.HostKeyMessages.unknownHost;
import static dev.jgitpomerium.transport.internal.session.JGitHostEntries.hostAsGiven;
import static dev.jgitpomerium.transport.internal.session.JGitHostEntries.hostEntry;
import static dev.jgitpomerium.transport.internal.session.JGitHostEntries.hostKeyAlias;
import static dev.jgitpomerium.transport.internal.session.JGitHostEntries.session;

import dev.jgitpomerium.transport.HostKeyException;
import dev.jgitpomerium.transport.internal.Ipv6Literals;
import dev.jgitpomerium.transport.internal.session.KnownHostsFiles.Line;
import dev.jgitpomerium.transport.internal.session.KnownHostsFiles.Target;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.eclipse.jgit.internal.transport.sshd.JGitClientSession;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * known_hosts as OpenSSH reads and writes it, in place of JGit's {@code OpenSshServerKeyDatabase}, which refuses an
 * unknown, a changed and a revoked key alike (sshd then says only "Server key did not validate"), asks about a changed
 * key where OpenSSH refuses it, counts a key of another type as changed, has no {@code HostKeyAlias}, and refuses a
 * host certificate whose CA is unknown instead of falling back to its plain key.
 *
 * <p>What it keeps of JGit: the settings as JGit reads them from ssh config (StrictHostKeyChecking, HashKnownHosts,
 * UserKnownHostsFile, through JGit's {@link Configuration}), JGit's known_hosts line parser, MINA sshd's host
 * patterns and hashing, and sshd's own checks of a host certificate (signature, validity, principals), which run
 * before this.
 *
 * <p>Lookups use the host name only (OpenSSH's default {@code CheckHostIP no}): {@code host}, {@code [host]:port} for
 * ports other than 22, or the HostKeyAlias. A refusal is thrown as a {@link HostKeyException} with OpenSSH's text.
 *
 * <p>This class is what JGit calls, and decides; {@code KnownHostsFiles} reads, matches and appends the lines, {@code
 * HostKeyMessages} holds OpenSSH's texts and question, {@code JGitHostEntries} reads the host's ssh config entry from
 * JGit's session. All of them log under this class's name, which the command line shows as OpenSSH's own lines.
 */
public final class KnownHosts implements ServerKeyDatabase {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.HOST_KEYS);
  private static final String REVOKED = "revoked";
  private static final String CERT_AUTHORITY = "cert-authority";

  /** Whether connections to a host go through a tunnel or ProxyCommand (so its DNS address means nothing). */
  @FunctionalInterface
  public interface Proxied {
    boolean test(String host, int port);
  }

  private final List<Path> defaultFiles;
  private final Proxied proxied;
  private final java.util.function.Supplier<String> whyNoWay;
  private final KnownHostsFiles knownHostsFiles = new KnownHostsFiles();
  /** Key scans in progress, by the user name their connection logs in as (see {@link #scan}). */
  private final Map<String, KeyScan> scans = new ConcurrentHashMap<>();

  /**
   * @param whyNoWay what was missing when the connection has no CredentialsProvider, as a clause for the message (see
   *     {@link Askpass.Decision#why}); null if unknown
   */
  public KnownHosts(List<Path> defaultFiles, Proxied proxied, java.util.function.Supplier<String> whyNoWay) {
    this.defaultFiles = List.copyOf(defaultFiles);
    this.proxied = proxied;
    this.whyNoWay = whyNoWay;
  }

  /**
   * A connection that only collects the server's host key: while registered under {@code user}, {@link #lookup}
   * steers the key exchange to {@code preferred} key types and {@link #accept} records the offered key and the name
   * known_hosts would look it up under, and refuses it.
   */
  public static final class KeyScan {
    /** The key types to steer to; null: as a real connection to the host (the known keys' types first). */
    private final List<PublicKey> preferred;
    private volatile PublicKey offered;
    private volatile String name;
    private volatile Check check;

    public KeyScan(List<PublicKey> preferred) {
      this.preferred = preferred == null ? null : List.copyOf(preferred);
    }

    /** A scan that lets the key exchange go as a real connection's would, and checks the key it gets (the doctor). */
    public static KeyScan asConnection() {
      return new KeyScan(null);
    }

    /** For {@link #asConnection()}: what known_hosts says of the offered key, once offered. */
    public Check check() {
      return check;
    }

    public PublicKey offered() {
      return offered;
    }

    /** The name the key would be looked up and recorded under (see {@link KnownHosts#target}), once offered. */
    public String name() {
      return name;
    }
  }

  /**
   * For each key type ssh-keyscan fetches (Ed25519, ECDSA, RSA), throwaway public keys of that type, to steer a
   * scan's key exchange to it; types this JVM cannot generate are left out.
   */
  public static List<List<PublicKey>> scanTypes() {
    List<List<PublicKey>> types = new ArrayList<>();
    types.add(OpenSshPreference.KEYS);
    List<PublicKey> ecdsa = new ArrayList<>();
    for (int bits : new int[] {256, 384, 521}) {
      generate("ecdsa-sha2-nistp" + bits, bits, ecdsa);
    }
    types.add(ecdsa);
    List<PublicKey> rsa = new ArrayList<>();
    generate(KeyPairProvider.SSH_RSA, 2048, rsa);
    types.add(rsa);
    types.removeIf(List::isEmpty);
    return types;
  }

  private static void generate(String type, int bits, List<PublicKey> into) {
    try {
      into.add(KeyUtils.generateKeyPair(type, bits).getPublic());
    } catch (GeneralSecurityException | RuntimeException e) {
      log.debug("cannot generate a {} key: {}", type, e.toString());
    }
  }

  /** Whether {@code offered} is of the type {@code preferred} asks for (not a certificate, not another type). */
  public static boolean sameType(List<PublicKey> preferred, PublicKey offered) {
    return !(offered instanceof OpenSshCertificate) && !preferred.isEmpty()
        && type(preferred.get(0)).equals(type(offered));
  }

  /** Registers {@code scan} for connections that log in as {@code user}; remove it with {@link #endScan}. */
  public void scan(String user, KeyScan scan) {
    scans.put(user, scan);
  }

  public void endScan(String user) {
    scans.remove(user);
  }

  /**
   * The scan {@code config}'s connection belongs to, if any. JGit asks {@link #lookup} for the key exchange's order
   * of host key types when the session starts, which for a direct connection is before JGit has given the session
   * its user name: the user is then read from the host entry the session was created for.
   */
  private KeyScan scanOf(Configuration config) {
    String user = config.getUsername();
    if (user == null) {
      HostConfigEntry entry = hostEntry(config);
      user = entry == null ? null : entry.getUsername();
    }
    return user == null ? null : scans.get(user);
  }

  @Override
  public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
    KeyScan scan = scanOf(config);
    if (scan != null && scan.preferred != null) {
      return scan.preferred;
    }
    Target target = target(remoteAddress, config);
    List<PublicKey> known = new ArrayList<>();
    boolean certificates = false;
    for (Line line : knownHostsFiles.lines(files(config), true)) {
      if (line.marker() == null && line.matches(target)) {
        known.add(line.key());
      }
      certificates |= CERT_AUTHORITY.equals(line.marker()) && line.matches(target);
    }
    if (known.isEmpty() && !certificates) {
      // JGit orders the key types offered by what this returns, then MINA's defaults (ECDSA before Ed25519). For a
      // host it knows nothing about, OpenSSH asks for Ed25519 first, and that is the key a user records and compares.
      return OpenSshPreference.KEYS;
    }
    return known;
  }

  /** A throwaway Ed25519 public key whose only use is to put its type first in the key exchange. */
  private static final class OpenSshPreference {
    static final List<PublicKey> KEYS = keys();

    private static List<PublicKey> keys() {
      try {
        return List.of(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());
      } catch (GeneralSecurityException | RuntimeException e) {
        log.debug("no Ed25519 key generator; the server chooses its host key type: {}", e.toString());
        return List.of();
      }
    }
  }

  @Override
  public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
      Configuration config, CredentialsProvider provider) {
    KeyScan scan = scanOf(config);
    if (scan != null) {
      scan.name = target(remoteAddress, config).name();
      scan.offered = serverKey;
      if (scan.preferred == null) {
        scan.check = check(target(remoteAddress, config), serverKey, files(config), config);
      }
      // Closed before sshd sees the refusal: it logs a refusal on an open session as a warning, and this one is the
      // scan's own doing.
      JGitClientSession session = session(config);
      if (session != null) {
        session.close(true);
      }
      return false;
    }
    Target target = target(remoteAddress, config);
    List<Path> files = files(config);
    List<Line> lines = knownHostsFiles.lines(files, true);
    Classified found = classify(target, serverKey, lines);
    return switch (found.verdict()) {
      case MATCHED -> true;
      case REVOKED -> refuseRevoked(target, found.key(), found.line(), config, found.ca());
      case CHANGED -> refuseChanged(target, found.key(), found.line(), config);
      case UNKNOWN -> unknown(target, found.key(), files, lines, config, provider);
    };
  }

  /** What known_hosts says of a host key, in OpenSSH's terms. */
  public enum Verdict {
    /** A line for the host holds the key (or its certificate's CA, as {@code @cert-authority}). */
    MATCHED,
    /** No line for the host holds the key, nor another of its type. */
    UNKNOWN,
    /** A line for the host holds another key of the same type. */
    CHANGED,
    /** The key, or its certificate's CA, is marked {@code @revoked}. */
    REVOKED
  }

  /** The verdict, for the key it is about (a certificate's plain key, or its CA's), and the deciding line. */
  private record Classified(Verdict verdict, PublicKey key, Line line, boolean ca) {}

  /** How {@link #accept} judges {@code serverKey}, without acting on it. */
  private static Classified classify(Target target, PublicKey serverKey, List<Line> lines) {
    PublicKey key = serverKey;
    if (serverKey instanceof OpenSshCertificate certificate) {
      Line revoked = find(lines, target, REVOKED, certificate.getCaPubKey());
      if (revoked != null) {
        return new Classified(Verdict.REVOKED, certificate.getCaPubKey(), revoked, true);
      }
      Line authority = find(lines, target, CERT_AUTHORITY, certificate.getCaPubKey());
      if (authority != null) {
        // sshd has checked the certificate's signature, validity and principals
        return new Classified(Verdict.MATCHED, certificate.getCaPubKey(), authority, true);
      }
      // OpenSSH: "No matching CA found. Retry with plain key".
      key = certificate.getCertPubKey();
    }
    Line revoked = find(lines, target, REVOKED, key);
    if (revoked != null) {
      return new Classified(Verdict.REVOKED, key, revoked, false);
    }
    Line changed = null;
    for (Line line : lines) {
      if (line.marker() == null && line.matches(target)) {
        if (KeyUtils.compareKeys(line.key(), key)) {
          return new Classified(Verdict.MATCHED, key, line, false);
        }
        if (changed == null && type(line.key()).equals(type(key))) {
          changed = line;
        }
      }
    }
    return changed != null ? new Classified(Verdict.CHANGED, key, changed, false)
        : new Classified(Verdict.UNKNOWN, key, null, false);
  }

  /**
   * What a connection's host-key check would decide, for the doctor: nothing is recorded, asked or logged.
   *
   * @param name the name the key is looked up under
   * @param key the key judged (a certificate's plain key, or its CA's when {@code ca})
   * @param file the deciding line's file, or (unknown) the file a key would be added to; null if none
   * @param line the deciding line (1-based), or 0
   * @param strict the StrictHostKeyChecking in effect
   * @param refusal OpenSSH's refusal when a connection would refuse the key, else null
   * @param serverVersion the server's identification string, as the session received it (null if unknown)
   */
  public record Check(String name, PublicKey key, boolean ca, Verdict verdict, Path file, int line,
      Configuration.StrictHostKeyChecking strict, HostKeyException refusal, String serverVersion) {}

  private Check check(Target target, PublicKey serverKey, List<Path> files, Configuration config) {
    List<Line> lines = knownHostsFiles.lines(files, true);
    Classified found = classify(target, serverKey, lines);
    Configuration.StrictHostKeyChecking strict = config.getStrictHostKeyChecking();
    boolean anyway = strict == Configuration.StrictHostKeyChecking.ACCEPT_ANY;
    Path first = files.isEmpty() ? null : files.get(0);
    HostKeyException refusal = switch (found.verdict()) {
      case MATCHED -> null;
      case REVOKED -> anyway ? null : HostKeyMessages.revoked(target, found.key(), found.line(), found.ca());
      case CHANGED -> anyway ? null : HostKeyMessages.changed(target, found.key(), found.line());
      case UNKNOWN -> switch (strict) {
        case ACCEPT_NEW, ACCEPT_ANY -> null;
        case REQUIRE_MATCH -> unknownHost(target, found.key(), first, lines, "No " + type(found.key())
            + " host key is known for " + target.name() + " and you have requested strict checking.");
        default -> unknownHost(target, found.key(), first, lines, "The authenticity of host '" + target.name()
            + "' can't be established.");
      };
    };
    JGitClientSession session = session(config);
    return new Check(target.name(), found.key(), found.ca(), found.verdict(),
        found.line() != null ? found.line().file() : first, found.line() != null ? found.line().number() : 0,
        strict, refusal, session == null ? null : session.getServerVersion());
  }

  private boolean unknown(Target target, PublicKey key, List<Path> files, List<Line> lines, Configuration config,
      CredentialsProvider provider) {
    Path file = files.isEmpty() ? null : files.get(0);
    switch (config.getStrictHostKeyChecking()) {
      case ACCEPT_NEW, ACCEPT_ANY -> {
        knownHostsFiles.record(file, target, key, config);
        return true;
      }
      case REQUIRE_MATCH -> throw sneaky(unknownHost(target, key, file, lines,
          "No " + type(key) + " host key is known for " + target.name()
              + " and you have requested strict checking."));
      default -> {
        if (provider == null || !provider.supports(new CredentialItem.InformationalMessage(""),
            new CredentialItem.YesNoType(""))) {
          String why = whyNoWay.get();
          throw sneaky(unknownHost(target, key, file, lines, "The authenticity of host '" + target.name()
              + "' can't be established: it is not in " + describe(files) + ", and nothing can ask whether to trust "
              + "it: " + (provider != null ? "the JGit command's CredentialsProvider cannot answer a yes/no question"
                  : "the JGit command has no CredentialsProvider, " + (why != null ? why : "and nothing else can ask"))
              + "."));
        }
        if (!ask(target, key, lines, provider)) {
          throw sneaky(unknownHost(target, key, file, lines, "The " + type(key) + " key " + fingerprint(key)
              + " of " + target.name() + " was not accepted."));
        }
        knownHostsFiles.record(file, target, key, config);
        return true;
      }
    }
  }

  private static Line find(List<Line> lines, Target target, String marker, PublicKey key) {
    for (Line line : lines) {
      if (marker.equals(line.marker()) && line.matches(target) && KeyUtils.compareKeys(line.key(), key)) {
        return line;
      }
    }
    return null;
  }

  /** UserKnownHostsFile from ssh config, else the defaults (~/.ssh/known_hosts, known_hosts2, or the builder's). */
  private List<Path> files(Configuration config) {
    List<String> configured = config.getUserKnownHostsFiles();
    if (configured == null || configured.isEmpty()) {
      return defaultFiles;
    }
    List<Path> files = new ArrayList<>();
    for (String name : configured) {
      if (!name.equalsIgnoreCase("none")) {
        files.add(Path.of(name));
      }
    }
    return files;
  }

  /** The name keys are looked up and recorded under: the HostKeyAlias, else the host (and port, if not 22). */
  private Target target(InetSocketAddress remote, Configuration config) {
    String alias = hostKeyAlias(config);
    String given = hostAsGiven(config);
    int port = remote.getPort();
    // What the keyscan hint scans: the host as given, whose ssh config gives the HostName, route and HostKeyAlias.
    String scanAs = given == null ? null : asKeyscanReadsIt(given, port);
    if (alias != null) {
      return new Target(alias, 22, null, scanAs != null ? scanAs : alias, true);
    }
    String host = Ipv6Literals.shortForm(remote.getHostString());
    String ip = remote.isUnresolved() || proxied.test(host, port) ? null : remote.getAddress().getHostAddress();
    return new Target(host, port, ip, scanAs != null ? scanAs : asKeyscanReadsIt(host, port), false);
  }

  /** As in a git URL: an IPv6 literal with a port bracketed (keyscan reads ::1:22 as no port at all). */
  private static String asKeyscanReadsIt(String host, int port) {
    return port == 22 ? host : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * Whether this JGit version lets the host's ssh config entry be read, from the start of a session (a test guards it
   * across JGit upgrades): without it HostKeyAlias is ignored and a key scan of a directly reached host gets the same
   * key type each time.
   */
  public static boolean canReadHostKeyAlias() {
    return JGitHostEntries.canReadHostKeyAlias();
  }

  /** OpenSSH's name for a key's type: ED25519, ECDSA, RSA, ... */
  public static String type(PublicKey key) {
    String type = KeyUtils.getKeyType(key);
    if (type == null) {
      return key.getAlgorithm();
    }
    if (type.startsWith("ecdsa-sha2-")) {
      return "ECDSA";
    }
    return switch (type) {
      case "ssh-ed25519" -> "ED25519";
      case "ssh-rsa" -> "RSA";
      case "ssh-dss" -> "DSA";
      case "sk-ssh-ed25519@openssh.com" -> "ED25519-SK";
      case "sk-ecdsa-sha2-nistp256@openssh.com" -> "ECDSA-SK";
      default -> type;
    };
  }

  /** {@code SHA256:...}, as OpenSSH prints fingerprints. */
  public static String fingerprint(PublicKey key) {
    return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
  }

  /** Throws a checked exception through JGit's ServerKeyDatabase, which declares none; JGit passes it on as a cause. */
  @SuppressWarnings("unchecked")
  static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
    throw (E) e;
  }
}

