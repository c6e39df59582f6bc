package dev.jgitpomerium.transport.internal.relay;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Tells whether the other end of an accepted loopback connection is a socket of this very process, from the
 * kernel's own tables (Linux {@code /proc}): the peer's socket inode must be one of this process's file descriptors.
 * Java has no SO_PEERCRED for TCP; this is the same check, for callers that cannot present a credential (JGit's
 * {@code DefaultProxyDataFactory}, which takes its proxy from the JVM's ProxySelector without one). Elsewhere than
 * Linux it answers false, so such connections are refused.
 */
final class ProcessPeers {
  private static final Path SELF_FD = Path.of("/proc/self/fd");

  private ProcessPeers() {}

  static boolean isThisProcess(Socket accepted) {
    int peerPort = accepted.getPort();
    int ourPort = accepted.getLocalPort();
    try {
      String inode = null;
      for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
        Path path = Path.of(table);
        if (inode == null && Files.isReadable(path)) {
          inode = inodeOf(Files.readAllLines(path), peerPort, ourPort);
        }
      }
      if (inode == null) {
        return false;
      }
      String wanted = "socket:[" + inode + "]";
      try (Stream<Path> fds = Files.list(SELF_FD)) {
        return fds.anyMatch(fd -> {
          try {
            return Files.readSymbolicLink(fd).toString().equals(wanted);
          } catch (IOException e) {
            return false; // closed while listing
          }
        });
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The inode of the socket whose local port is {@code localPort} and remote port {@code remotePort}. */
  static String inodeOf(Iterable<String> table, int localPort, int remotePort) {
    for (String line : table) {
      String[] f = line.trim().split("\\s+");
      // sl local_address rem_address st ... inode (field 9)
      if (f.length > 9 && f[1].contains(":") && f[2].contains(":")
          && port(f[1]) == localPort && port(f[2]) == remotePort && !f[9].equals("0")) {
        return f[9];
      }
    }
    return null;
  }

  private static int port(String address) {
    try {
      return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1), 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
