package dev.jgitpomerium.transport.internal.session;

import static dev.jgitpomerium.transport.internal.session.KnownHosts.type;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.OutputStream;
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
import org.apache.sshd.client.config.hosts.KnownHostDigest;
import org.apache.sshd.client.config.hosts.KnownHostHashValue;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.config.keys.UnsupportedSshPublicKey;
import org.apache.sshd.common.mac.Mac;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * known_hosts files as OpenSSH reads and writes them: their lines ({@code @cert-authority} and {@code @revoked}
 * markers, host patterns with negation and wildcards, hashed names), read again only when a file changes, matched
 * against the name a host is looked up under, and a key appended under that name.
 */
final class KnownHostsFiles {
  /** {@link KnownHosts}' logger: the command line prints "Permanently added" as OpenSSH's own line. */
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.HOST_KEYS);
  private static final List<Path> GLOBAL_FILES =
      List.of(Path.of("/etc/ssh/ssh_known_hosts"), Path.of("/etc/ssh/ssh_known_hosts2"));

  private final Map<Path, Parsed> cache = new ConcurrentHashMap<>();

  /** Every valid line of {@code files} (and, if asked, the system-wide files), in order, with its line number. */
  List<Line> lines(List<Path> files, boolean withGlobal) {
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
        key = entry == null ? null
            : entry.resolvePublicKey(null, java.util.Map.of(), PublicKeyEntryResolver.UNSUPPORTED);
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

  /** Appends the key to {@code file} under the target's name, hashed if HashKnownHosts says so, as OpenSSH does. */
  void record(Path file, Target target, PublicKey key, Configuration config) {
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

  /** One key line of a known_hosts file: where it is, its host patterns (or hashed name), marker (or null), key. */
  record Line(Path file, int number, String hosts, KnownHostHashValue hashed, String marker, PublicKey key) {
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

  /**
   * The name a host's keys are looked up and recorded under; its address for the question (null when proxied);
   * {@code scanAs}, the host as jgit-pomerium's keyscan is to be given it (as written in the git URL, so that ssh
   * config applies to the scan as to the connection), and whether {@code host} is a HostKeyAlias.
   */
  record Target(String host, int port, String ip, String scanAs, boolean alias) {
    /** As known_hosts writes it. */
    String name() {
      return port == 22 ? host : "[" + host + "]:" + port;
    }
  }
}
