package dev.jgitpomerium.transport.internal.proxy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code NO_PROXY} as curl, Go and Python read it: entries separated by commas or white space, each one of
 * <ul>
 *   <li>{@code *}: every host;</li>
 *   <li>a domain, {@code example.com} or {@code .example.com} or {@code *.example.com}: that name and every name
 *       below it (curl's reading; Go's leading dot leaves out the name itself, a difference nobody relies on);</li>
 *   <li>an IP literal ({@code 10.1.2.3}, {@code ::1} or {@code [::1]}): that address;</li>
 *   <li>a CIDR block ({@code 10.0.0.0/8}, {@code fd00::/8}): the IP literals in it;</li>
 *   <li>any of the above but {@code *} and a block with {@code :port}: only that port.</li>
 * </ul>
 * Names are compared without a trailing dot and case-insensitively, and never resolved: a name matches an address
 * entry only if it is that address written out, as in curl and Go.
 */
public final class NoProxy {
  private final List<Entry> entries;

  private NoProxy(List<Entry> entries) {
    this.entries = entries;
  }

  /** Parses a {@code NO_PROXY} value; entries that cannot be read are ignored, as curl and Go ignore them. */
  public static NoProxy parse(String value) {
    List<Entry> entries = new ArrayList<>();
    if (value != null) {
      for (String raw : value.split("[,\\s]+")) {
        Entry e = Entry.parse(raw.strip());
        if (e != null) {
          entries.add(e);
        }
      }
    }
    return new NoProxy(List.copyOf(entries));
  }

  /** The entry (as written) that bypasses the proxy for {@code host:port}, if any. */
  public Optional<String> match(String host, int port) {
    String h = normalize(host);
    byte[] address = literal(h);
    for (Entry e : entries) {
      if (e.matches(h, address, port)) {
        return Optional.of(e.written);
      }
    }
    return Optional.empty();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  private static String normalize(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  /** The bytes of an IP literal, or null for a name; never a DNS lookup. */
  static byte[] literal(String h) {
    boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = h.indexOf(':') >= 0 && h.matches("[0-9a-f:.]+(%[\\w.]+)?");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(h).getAddress(); // a literal: no lookup
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  private record Entry(String written, boolean all, String domain, byte[] network, int prefix, int port) {
    static Entry parse(String raw) {
      if (raw.isEmpty()) {
        return null;
      }
      String s = raw.toLowerCase(Locale.ROOT);
      if (s.equals("*")) {
        return new Entry(raw, true, null, null, 0, -1);
      }
      int port = -1;
      // A port: "host:port", "[v6]:port", or "v4:port"; a bare IPv6 literal has several colons and no port.
      if (s.startsWith("[")) {
        int close = s.indexOf(']');
        if (close < 0) {
          return null;
        }
        String after = s.substring(close + 1);
        if (after.startsWith(":")) {
          port = port(after.substring(1));
          if (port < 0) {
            return null;
          }
        } else if (!after.isEmpty() && !after.startsWith("/")) {
          return null;
        }
        s = s.substring(1, close) + (after.startsWith("/") ? after : "");
      } else if (s.indexOf(':') == s.lastIndexOf(':') && s.indexOf(':') >= 0) {
        int colon = s.indexOf(':');
        port = port(s.substring(colon + 1));
        if (port < 0) {
          return null;
        }
        s = s.substring(0, colon);
      }
      int slash = s.indexOf('/');
      if (slash >= 0) {
        byte[] network = literal(s.substring(0, slash));
        int prefix;
        try {
          prefix = Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
          return null;
        }
        if (network == null || prefix < 0 || prefix > network.length * 8) {
          return null;
        }
        return new Entry(raw, false, null, network, prefix, port);
      }
      byte[] address = literal(s);
      if (address != null) {
        return new Entry(raw, false, null, address, address.length * 8, port);
      }
      if (s.startsWith("*.")) {
        s = s.substring(2);
      }
      while (s.startsWith(".")) {
        s = s.substring(1);
      }
      while (s.endsWith(".")) {
        s = s.substring(0, s.length() - 1);
      }
      return s.isEmpty() ? null : new Entry(raw, false, s, null, 0, port);
    }

    private static int port(String text) {
      try {
        int p = Integer.parseInt(text);
        return p >= 1 && p <= 65535 ? p : -1;
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    boolean matches(String host, byte[] address, int hostPort) {
      if (all) {
        return true;
      }
      if (port != -1 && port != hostPort) {
        return false;
      }
      if (domain != null) {
        return address == null && (host.equals(domain) || host.endsWith("." + domain));
      }
      return address != null && address.length == network.length && inBlock(address);
    }

    private boolean inBlock(byte[] address) {
      int bits = network.length * 8;
      BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
          .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
      return new BigInteger(1, address).and(mask).equals(new BigInteger(1, network).and(mask));
    }
  }
}
