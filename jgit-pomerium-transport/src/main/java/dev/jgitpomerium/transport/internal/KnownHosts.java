package dev.jgitpomerium.transport.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jgitpomerium.transport.HostKeyException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.config.hosts.KnownHostDigest;
import org.apache.sshd.client.config.hosts.KnownHostHashValue;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.config.keys.UnsupportedSshPublicKey;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.mac.Mac;
import org.eclipse.jgit.internal.transport.sshd.JGitClientSession;
import org.eclipse.jgit.internal.transport.sshd.JGitSshClient;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;
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
 */
public final class KnownHosts implements ServerKeyDatabase {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.HOST_KEYS);
  private static final List<Path> GLOBAL_FILES =
      List.of(Path.of("/etc/ssh/ssh_known_hosts"), Path.of("/etc/ssh/ssh_known_hosts2"));
  private static final String REVOKED = "revoked";
  private static final String CERT_AUTHORITY = "cert-authority";
  private static final String HOST_KEY_ALIAS = "HostKeyAlias";
  /** What a host reached through a ProxyCommand shows as its address in OpenSSH's question. */
  private static final String NO_HOST_IP = "<no hostip for proxy command>";

  /** Whether connections to a host go through a tunnel or ProxyCommand (so its DNS address means nothing). */
  @FunctionalInterface
  public interface Proxied {
    boolean test(String host, int port);
  }

  private final List<Path> defaultFiles;
  private final Proxied proxied;
  private final java.util.function.Supplier<String> whyNoWay;
  private final Map<Path, Parsed> cache = new ConcurrentHashMap<>();
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
    private final List<PublicKey> preferred;
    private volatile PublicKey offered;
    private volatile String name;

    public KeyScan(List<PublicKey> preferred) {
      this.preferred = List.copyOf(preferred);
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
    if (scan != null) {
      return scan.preferred;
    }
    Target target = target(remoteAddress, config);
    List<PublicKey> known = new ArrayList<>();
    boolean certificates = false;
    for (Line line : lines(files(config), true)) {
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
    List<Line> lines = lines(files, true);
    PublicKey key = serverKey;
    if (serverKey instanceof OpenSshCertificate certificate) {
      Line revoked = find(lines, target, REVOKED, certificate.getCaPubKey());
      if (revoked != null) {
        return refuseRevoked(target, certificate.getCaPubKey(), revoked, config, true);
      }
      if (find(lines, target, CERT_AUTHORITY, certificate.getCaPubKey()) != null) {
        return true; // sshd has checked the certificate's signature, validity and principals
      }
      // OpenSSH: "No matching CA found. Retry with plain key".
      key = certificate.getCertPubKey();
    }
    Line revoked = find(lines, target, REVOKED, key);
    if (revoked != null) {
      return refuseRevoked(target, key, revoked, config, false);
    }
    Line changed = null;
    for (Line line : lines) {
      if (line.marker() == null && line.matches(target)) {
        if (KeyUtils.compareKeys(line.key(), key)) {
          return true;
        }
        if (changed == null && type(line.key()).equals(type(key))) {
          changed = line;
        }
      }
    }
    if (changed != null) {
      return refuseChanged(target, key, changed, config);
    }
    return unknown(target, key, files, lines, config, provider);
  }

  private boolean refuseRevoked(Target target, PublicKey key, Line line, Configuration config, boolean ca) {
    String type = type(key);
    String message = String.join("\n",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@       WARNING: REVOKED HOST KEY DETECTED!               @",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "The " + type + (ca ? " certificate authority key" : " host key") + " for " + target.name()
            + " is marked as revoked.",
        "This could mean that a stolen key is being used to",
        "impersonate this host.",
        "The revoked key " + fingerprint(key) + " is marked @revoked in " + line.file() + ":" + line.number() + ".");
    if (config.getStrictHostKeyChecking() == Configuration.StrictHostKeyChecking.ACCEPT_ANY) {
      log.warn("{}\nStrictHostKeyChecking is off: connecting anyway, as OpenSSH does", message);
      return true;
    }
    throw sneaky(new HostKeyException(HostKeyException.Kind.REVOKED, target.name(), type, fingerprint(key), null,
        line.file(), line.number(), message + "\n" + type + " host key for " + target.name()
            + " was revoked and you have requested strict checking.\nHost key verification failed."));
  }

  private boolean refuseChanged(Target target, PublicKey key, Line line, Configuration config) {
    String type = type(key);
    String known = fingerprint(line.key());
    String message = String.join("\n",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
        "Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
        "It is also possible that a host key has just been changed.",
        "The fingerprint for the " + type + " key sent by the remote host is",
        fingerprint(key) + ".",
        "The " + type(line.key()) + " key known for " + target.name() + " has the fingerprint",
        known + ".",
        "Please contact your system administrator.",
        "Add correct host key in " + line.file() + " to get rid of this message.",
        "Offending " + type(line.key()) + " key in " + line.file() + ":" + line.number(),
        "  remove with:",
        "  ssh-keygen -f '" + line.file() + "' -R '" + target.name() + "'");
    if (config.getStrictHostKeyChecking() == Configuration.StrictHostKeyChecking.ACCEPT_ANY) {
      log.warn("{}\nStrictHostKeyChecking is off: connecting anyway, as OpenSSH does", message);
      return true;
    }
    throw sneaky(new HostKeyException(HostKeyException.Kind.CHANGED, target.name(), type, fingerprint(key), known,
        line.file(), line.number(), message + "\nHost key for " + target.name()
            + " has changed and you have requested strict checking.\nHost key verification failed."));
  }

  private boolean unknown(Target target, PublicKey key, List<Path> files, List<Line> lines, Configuration config,
      CredentialsProvider provider) {
    Path file = files.isEmpty() ? null : files.get(0);
    switch (config.getStrictHostKeyChecking()) {
      case ACCEPT_NEW, ACCEPT_ANY -> {
        record(file, target, key, config);
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
        record(file, target, key, config);
        return true;
      }
    }
  }

  /**
   * OpenSSH's question, through the CredentialsProvider: the messages, then a yes/no item whose prompt says a pasted
   * fingerprint is an answer too (the command line accepts one that matches the fingerprint shown).
   */
  private boolean ask(Target target, PublicKey key, List<Line> lines, CredentialsProvider provider) {
    List<CredentialItem> items = new ArrayList<>();
    items.add(new CredentialItem.InformationalMessage("The authenticity of host '" + target.name() + " ("
        + (target.ip() != null ? target.ip() : NO_HOST_IP) + ")' can't be established."));
    items.add(new CredentialItem.InformationalMessage(type(key) + " key fingerprint is " + fingerprint(key) + "."));
    List<String> others = new ArrayList<>();
    for (Line line : lines) {
      if (line.marker() == null && KeyUtils.compareKeys(line.key(), key)) {
        others.add("    " + line.file() + ":" + line.number() + ": " + line.hosts());
      }
    }
    if (others.isEmpty()) {
      items.add(new CredentialItem.InformationalMessage("This key is not known by any other names."));
    } else {
      items.add(new CredentialItem.InformationalMessage(
          "This host key is known by the following other names/addresses:\n" + String.join("\n", others)));
    }
    CredentialItem.YesNoType answer =
        new CredentialItem.YesNoType("Are you sure you want to continue connecting (yes/no/[fingerprint])? ");
    items.add(answer);
    URIish uri = new URIish().setHost(target.host()).setPort(target.port() == 22 ? -1 : target.port());
    CredentialItem[] asked = items.toArray(CredentialItem[]::new);
    try {
      return provider.get(uri, asked) && answer.getValue();
    } catch (org.eclipse.jgit.errors.UnsupportedCredentialItem e) {
      // A provider for passwords only (UsernamePasswordCredentialsProvider) cannot answer: as if it had said no.
      log.debug("the CredentialsProvider cannot ask about the host key of {}: {}", target.name(), e.getMessage());
      return false;
    }
  }

  private HostKeyException unknownHost(Target target, PublicKey key, Path file, List<Line> lines, String first) {
    StringBuilder message = new StringBuilder(first).append('\n');
    message.append("The server offered the ").append(type(key)).append(" key ").append(fingerprint(key)).append('.');
    for (Line line : lines) {
      if (line.marker() == null && line.matches(target)) {
        message.append("\nknown_hosts has a ").append(type(line.key())).append(" key for ").append(target.name())
            .append(" (").append(line.file()).append(':').append(line.number())
            .append("), but the server did not offer that type.");
      }
    }
    String where = file != null ? file.toString() : "~/.ssh/known_hosts";
    // As in a git URL: an IPv6 literal with a port is bracketed (keyscan reads ::1:22 as no port at all).
    String keyscanTarget = target.port() == 22 ? target.host()
        : (target.host().contains(":") ? "[" + target.host() + "]" : target.host()) + ":" + target.port();
    message.append("\nTo trust it, check that fingerprint with the server's administrator, then add the key to ")
        .append(where).append(": for a host behind Pomerium `java -jar jgit-pomerium.jar keyscan ")
        .append(keyscanTarget).append(" >> ").append(where).append("`, otherwise `ssh-keyscan ")
        .append(target.port() == 22 ? "" : "-p " + target.port() + " ").append(target.host()).append(" >> ")
        .append(where).append("`; or connect once with StrictHostKeyChecking accept-new (in ~/.ssh/config), or "
            + "interactively (on the jgit-pomerium command line's terminal, or through SSH_ASKPASS with "
            + "SSH_ASKPASS_REQUIRE=force).\nHost key verification failed.");
    return new HostKeyException(HostKeyException.Kind.UNKNOWN, target.name(), type(key), fingerprint(key), null, file,
        0, message.toString());
  }

  /** Appends the key to {@code file} under the target's name, hashed if HashKnownHosts says so, as OpenSSH does. */
  private void record(Path file, Target target, PublicKey key, Configuration config) {
    if (file == null) {
      return;
    }
    try {
      StringBuilder entry = new StringBuilder();
      if (config.getHashKnownHosts()) {
        Mac mac = KnownHostDigest.SHA1.create();
        byte[] salt = new byte[mac.getDefaultBlockSize()];
        new SecureRandom().nextBytes(salt);
        KnownHostHashValue.append(entry, KnownHostDigest.SHA1, salt,
            KnownHostHashValue.calculateHashValue(target.host(), target.port(), mac, salt));
      } else {
        entry.append(target.name());
      }
      entry.append(' ');
      PublicKeyEntry.appendPublicKeyEntry(entry, key);
      entry.append('\n');
      Path directory = file.toAbsolutePath().getParent();
      if (directory != null && !Files.isDirectory(directory)) {
        Files.createDirectories(directory);
        try {
          Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
          // Not a POSIX file system.
        }
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.READ); FileLock lock = channel.lock()) {
        long size = channel.size();
        String text = entry.toString();
        if (size > 0) {
          java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
          channel.read(last, size - 1);
          if (last.get(0) != '\n') {
            text = "\n" + text;
          }
        }
        channel.position(size);
        OutputStream out = Channels.newOutputStream(channel);
        out.write(text.getBytes(UTF_8));
        out.flush();
      }
      cache.remove(file);
      log.warn("Warning: Permanently added '{}' ({}) to the list of known hosts ({}).", target.name(), type(key),
          file);
    } catch (Exception e) {
      // OpenSSH goes on too ("Failed to add the host to the list of known hosts").
      log.warn("Failed to add the host {} to the list of known hosts ({}): {}", target.name(), file, e.toString());
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

  private static String describe(List<Path> files) {
    return files.isEmpty() ? "any known_hosts file" : files.size() == 1 ? files.get(0).toString()
        : files.toString();
  }

  /** The name keys are looked up and recorded under: the HostKeyAlias, else the host (and port, if not 22). */
  private Target target(InetSocketAddress remote, Configuration config) {
    String alias = hostKeyAlias(config);
    if (alias != null) {
      return new Target(alias, 22, null);
    }
    String host = Ipv6Literals.shortForm(remote.getHostString());
    int port = remote.getPort();
    String ip = remote.isUnresolved() || proxied.test(host, port) ? null : remote.getAddress().getHostAddress();
    return new Target(host, port, ip);
  }

  private static final Field SESSION = sessionField();
  private static final AttributeRepository.AttributeKey<HostConfigEntry> HOST_CONFIG_ENTRY = hostConfigEntryKey();

  private static Field sessionField() {
    try {
      Class<?> sessionConfig =
          Class.forName("org.eclipse.jgit.internal.transport.sshd.JGitServerKeyVerifier$SessionConfig");
      Field field = sessionConfig.getDeclaredField("session");
      field.setAccessible(true);
      return JGitClientSession.class.isAssignableFrom(field.getType()) ? field : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** JGit 7.8.1's {@code JGitSshClient.HOST_CONFIG_ENTRY}: the host entry a session is created for. */
  @SuppressWarnings("unchecked")
  private static AttributeRepository.AttributeKey<HostConfigEntry> hostConfigEntryKey() {
    try {
      Field field = JGitSshClient.class.getDeclaredField("HOST_CONFIG_ENTRY");
      field.setAccessible(true);
      return field.get(null) instanceof AttributeRepository.AttributeKey<?> key
          ? (AttributeRepository.AttributeKey<HostConfigEntry>) key : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** The session JGit's configuration object wraps (JGit 7.8.1's {@code SessionConfig.session}), or null. */
  private static JGitClientSession session(Configuration config) {
    if (SESSION == null || !SESSION.getDeclaringClass().isInstance(config)) {
      return null;
    }
    try {
      return SESSION.get(config) instanceof JGitClientSession session ? session : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("cannot read JGit's session from its host key configuration: {}", e.toString());
      return null;
    }
  }

  /**
   * The host's whole ssh config entry, of which JGit hands the key database only some settings. JGit sets it on the
   * session only once connected; before that (the key exchange of a direct connection starts earlier) it is the
   * attribute JGit created the session with. A test fails if either moves.
   */
  private static HostConfigEntry hostEntry(Configuration config) {
    JGitClientSession session = session(config);
    if (session == null) {
      return null;
    }
    HostConfigEntry entry = session.getHostConfigEntry();
    return entry != null || HOST_CONFIG_ENTRY == null ? entry : session.resolveAttribute(HOST_CONFIG_ENTRY);
  }

  /** The host's HostKeyAlias, or null. */
  static String hostKeyAlias(Configuration config) {
    HostConfigEntry entry = hostEntry(config);
    String alias = entry == null ? null : entry.getProperty(HOST_KEY_ALIAS);
    return alias == null || alias.isBlank() ? null : alias.strip();
  }

  /**
   * Whether this JGit version lets the host's ssh config entry be read, from the start of a session (a test guards it
   * across JGit upgrades): without it HostKeyAlias is ignored and a key scan of a directly reached host gets the same
   * key type each time.
   */
  public static boolean canReadHostKeyAlias() {
    return SESSION != null && HOST_CONFIG_ENTRY != null;
  }

  /** Every valid line of {@code files} (and, if asked, the system-wide files), in order, with its line number. */
  private List<Line> lines(List<Path> files, boolean withGlobal) {
    List<Line> all = new ArrayList<>();
    List<Path> paths = new ArrayList<>(files);
    if (withGlobal) {
      paths.addAll(GLOBAL_FILES);
    }
    for (Path path : paths) {
      all.addAll(parsed(path).lines());
    }
    return all;
  }

  private record Parsed(FileTime modified, long size, List<Line> lines) {}

  private Parsed parsed(Path path) {
    FileTime modified;
    long size;
    try {
      modified = Files.getLastModifiedTime(path);
      size = Files.size(path);
    } catch (NoSuchFileException e) {
      return new Parsed(null, -1, List.of());
    } catch (IOException e) {
      log.warn("cannot read known hosts file {}: {}", path, e.toString());
      return new Parsed(null, -1, List.of());
    }
    Parsed cached = cache.get(path);
    if (cached != null && modified.equals(cached.modified()) && size == cached.size()) {
      return cached;
    }
    Parsed fresh;
    try {
      fresh = new Parsed(modified, size, parse(path));
    } catch (IOException e) {
      log.warn("cannot read known hosts file {}: {}", path, e.toString());
      return new Parsed(null, -1, List.of());
    }
    cache.put(path, fresh);
    return fresh;
  }

  /**
   * The file's entries as OpenSSH reads them: an optional {@code @marker}, host patterns (or one hashed name), a key;
   * comments, blank and unreadable lines skipped. Not JGit's reader: it drops lines whose patterns carry a wildcard
   * port ({@code [host]:*}), and sshd's pattern matcher never matches {@code *} against a port other than 22.
   */
  private static List<Line> parse(Path path) throws IOException {
    List<String> raw = Files.readAllLines(path, UTF_8);
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String text = raw.get(i).strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      String marker = null;
      if (text.startsWith("@")) {
        String[] split = text.split("\\s+", 2);
        if (split.length < 2) {
          continue;
        }
        marker = split[0].substring(1).toLowerCase(Locale.ROOT);
        text = split[1];
      }
      String[] split = text.split("\\s+", 2);
      if (split.length < 2) {
        continue;
      }
      String hosts = split[0];
      String keyText = split[1];
      PublicKey key;
      try {
        PublicKeyEntry entry = PublicKeyEntry.parsePublicKeyEntry(keyText);
        key = entry == null ? null : entry.resolvePublicKey(null, java.util.Map.of(), PublicKeyEntryResolver.UNSUPPORTED);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        log.warn("known hosts file {} line {}: cannot read the key: {}", path, i + 1, e.toString());
        continue;
      }
      if (key == null || key instanceof UnsupportedSshPublicKey) {
        continue;
      }
      KnownHostHashValue hashed = null;
      if (hosts.startsWith("|")) {
        hashed = KnownHostHashValue.parse(hosts);
        if (hashed == null) {
          continue;
        }
      }
      lines.add(new Line(path, i + 1, hosts, hashed, marker, key));
    }
    return lines;
  }

  private record Line(Path file, int number, String hosts, KnownHostHashValue hashed, String marker, PublicKey key) {
    /** OpenSSH's match_hostname: the patterns against {@code host} or {@code [host]:port}; a negation vetoes. */
    boolean matches(Target target) {
      if (hashed != null) {
        return hashed.isHostMatch(target.host(), target.port());
      }
      String name = target.name().toLowerCase(Locale.ROOT);
      boolean matched = false;
      for (String pattern : hosts.split(",")) {
        boolean negated = pattern.startsWith("!");
        String p = negated ? pattern.substring(1) : pattern;
        if (!p.isEmpty() && wildcard(p.toLowerCase(Locale.ROOT), name)) {
          if (negated) {
            return false;
          }
          matched = true;
        }
      }
      return matched;
    }

    private static boolean wildcard(String pattern, String text) {
      StringBuilder regex = new StringBuilder();
      for (char c : pattern.toCharArray()) {
        regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
      }
      return text.matches(regex.toString());
    }
  }

  private record Target(String host, int port, String ip) {
    /** As known_hosts writes it. */
    String name() {
      return port == 22 ? host : "[" + host + "]:" + port;
    }
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
  private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
    throw (E) e;
  }
}
