package dev.jgitpomerium.transport.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IPv6 addresses as OpenSSH writes them in known_hosts: the shortest form (RFC 5952, {@code ::1}). JGit names the host
 * of an IPv6 URL in Java's long form ({@code 0:0:0:0:0:0:0:1}), which matches no line OpenSSH wrote, so every key of
 * such a host would be refused, or recorded under a name OpenSSH never uses.
 */
public final class Ipv6Literals {
  private Ipv6Literals() {}

  /**
   * A host name in lower case, or an IPv6 literal (with or without brackets) in one spelling: JGit connects to
   * {@code ::1} as {@code 0:0:0:0:0:0:0:1}. How routes and ssh config entries are compared.
   */
  public static String normalizeHost(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.indexOf(':') >= 0) {
      try {
        return InetAddress.getByName(h).getHostAddress(); // a literal: no lookup
      } catch (UnknownHostException | SecurityException e) {
        return h.toLowerCase(java.util.Locale.ROOT);
      }
    }
    return h.toLowerCase(java.util.Locale.ROOT);
  }

  /** {@code host} in its shortest form if it is an IPv6 literal; any other host unchanged. */
  public static String shortForm(String host) {
    return host.indexOf(':') < 0 ? host : compress(host);
  }

  private static String compress(String address) {
    InetAddress parsed;
    try {
      parsed = InetAddress.getByName(address); // a literal: no lookup
    } catch (UnknownHostException | SecurityException e) {
      return address;
    }
    if (!(parsed instanceof Inet6Address)) {
      return address;
    }
    byte[] b = parsed.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1; // RFC 5952: a single zero group is not shortened
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }
}
