package dev.jgitpomerium.transport.internal.sshconfig;

import static dev.jgitpomerium.transport.internal.sshconfig.Tokens.percentExpand;

import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Value;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;

/** What ssh.c does to the host name between the passes: HostName with %h, lower case, CanonicalizeHostname. */
final class HostNames {
  private HostNames() {}

  static String expandHostName(Value hostName, String host) throws SshConfigException {
    try {
      return percentExpand(hostName.first(), Map.of('h', host), null);
    } catch (IllegalArgumentException e) {
      throw new SshConfigException(hostName.file(), hostName.line(),
          hostName.where() + ": HostName '" + hostName.first() + "': " + e.getMessage(), e);
    }
  }

  /** OpenSSH's CanonicalizeHostname: a bare name tried with each CanonicalDomains suffix, through the resolver. */
  static String canonicalize(String host, Options options, String mode) throws SshConfigException {
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

  static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static boolean isAddress(String host) {
    return host.indexOf(':') >= 0 || host.matches("[0-9]+(\\.[0-9]+){3}");
  }
}
