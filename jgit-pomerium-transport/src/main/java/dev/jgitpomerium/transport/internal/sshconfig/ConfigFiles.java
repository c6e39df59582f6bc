package dev.jgitpomerium.transport.internal.sshconfig;

import static dev.jgitpomerium.transport.internal.sshconfig.SshConfig.processUid;

import dev.jgitpomerium.transport.SshConfigException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files of an ssh config as OpenSSH treats them: names in messages ({@code ~/...}), errors naming file and line,
 * the owner and mode check of {@code ~/.ssh/config} and included files, and glob(3) for {@code Include}.
 */
final class ConfigFiles {
  private ConfigFiles() {}

  static SshConfigException error(Path file, int line, String problem) {
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

  static void checkPermissions(Path file) throws SshConfigException {
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

  /** glob(3) for Include: wildcards in any component, dot files only when the pattern says so, sorted. */
  static List<Path> glob(String pattern) throws IOException {
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
}
