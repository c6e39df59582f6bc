package dev.jgitpomerium.transport.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.util.List;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

/**
 * Looks IPv6 hosts up in known_hosts as OpenSSH writes them: {@code [::1]:2222}, the address in its shortest form
 * (RFC 5952). JGit names the host of an IPv6 URL in Java's long form ({@code [0:0:0:0:0:0:0:1]:2222}), which matches
 * no line OpenSSH wrote, so every key of such a host would be refused (or recorded under a name OpenSSH never uses).
 */
public final class Ipv6KnownHosts implements ServerKeyDatabase {
  private final ServerKeyDatabase delegate;

  public Ipv6KnownHosts(ServerKeyDatabase delegate) {
    this.delegate = delegate;
  }

  @Override
  public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
    return delegate.lookup(shortForm(connectAddress), remoteAddress, config);
  }

  @Override
  public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
      Configuration config, CredentialsProvider provider) {
    return delegate.accept(shortForm(connectAddress), remoteAddress, serverKey, config, provider);
  }

  /** {@code [0:0:0:0:0:0:0:1]:2222} as {@code [::1]:2222}, {@code 0:0:0:0:0:0:0:1} as {@code [::1]:22}. */
  static String shortForm(String connectAddress) {
    if (!connectAddress.startsWith("[")) {
      // JGit writes port 22 without brackets, and then reads the last colon as a port separator: bracket it.
      return connectAddress.indexOf(':') >= 0 && connectAddress.indexOf(':') != connectAddress.lastIndexOf(':')
          ? "[" + compress(connectAddress) + "]:22" : connectAddress;
    }
    int close = connectAddress.indexOf(']');
    if (close < 0) {
      return connectAddress;
    }
    String host = connectAddress.substring(1, close);
    return host.indexOf(':') < 0 ? connectAddress : "[" + compress(host) + "]" + connectAddress.substring(close + 1);
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
