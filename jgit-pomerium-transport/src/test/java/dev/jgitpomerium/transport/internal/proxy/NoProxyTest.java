package dev.jgitpomerium.transport.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code NO_PROXY} in the semantics curl and Go share: suffixes, a leading dot, {@code *}, ports, IPs and CIDR. */
class NoProxyTest {
  @ParameterizedTest(name = "NO_PROXY=''{0}'' for {1}:{2} -> {3}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      // a domain matches itself and every name below it; a leading dot or "*." changes nothing (curl's reading)
      "corp.example.com               | corp.example.com          | 443  | corp.example.com",
      "corp.example.com               | pomerium.corp.example.com | 443  | corp.example.com",
      ".corp.example.com              | corp.example.com          | 443  | .corp.example.com",
      ".corp.example.com              | pomerium.corp.example.com | 443  | .corp.example.com",
      "*.corp.example.com             | pomerium.corp.example.com | 443  | *.corp.example.com",
      "corp.example.com               | notcorp.example.com       | 443  | -",
      "corp.example.com               | corp.example.com.evil.net | 443  | -",
      // case, a trailing dot, separators
      "CORP.Example.COM               | Pomerium.corp.example.com.| 443  | CORP.Example.COM",
      "other.net, corp.example.com    | pomerium.corp.example.com | 443  | corp.example.com",
      "other.net corp.example.com     | pomerium.corp.example.com | 443  | corp.example.com",
      "other.net,,                    | pomerium.corp.example.com | 443  | -",
      // everything
      "*                              | anything.example          | 443  | *",
      // a port narrows an entry
      "corp.example.com:443           | pomerium.corp.example.com | 443  | corp.example.com:443",
      "corp.example.com:8443          | pomerium.corp.example.com | 443  | -",
      // IP literals, never resolved: a name does not match an address entry
      "10.1.2.3                       | 10.1.2.3                  | 443  | 10.1.2.3",
      "10.1.2.3                       | 10.1.2.4                  | 443  | -",
      "127.0.0.1                      | localhost                 | 443  | -",
      "10.1.2.3:8443                  | 10.1.2.3                  | 8443 | 10.1.2.3:8443",
      "::1                            | [::1]                     | 443  | ::1",
      "[::1]                          | 0:0:0:0:0:0:0:1           | 443  | [::1]",
      "[2001:db8::1]:443              | 2001:db8:0:0:0:0:0:1      | 443  | [2001:db8::1]:443",
      "[2001:db8::1]:443              | 2001:db8::1               | 22   | -",
      // CIDR blocks
      "10.0.0.0/8                     | 10.200.3.4                | 443  | 10.0.0.0/8",
      "10.0.0.0/8                     | 11.0.0.1                  | 443  | -",
      "192.168.4.0/22                 | 192.168.7.255             | 443  | 192.168.4.0/22",
      "192.168.4.0/22                 | 192.168.8.0               | 443  | -",
      "fd00::/8                       | fd12:3456::1              | 443  | fd00::/8",
      "fd00::/8                       | fe80::1                   | 443  | -",
      "10.0.0.0/8                     | ten.example               | 443  | -",
      // unreadable entries are ignored, not fatal
      "10.0.0.0/99, corp.example.com  | pomerium.corp.example.com | 443  | corp.example.com",
      "-                              | pomerium.corp.example.com | 443  | -",
  })
  void entriesMatchAsCurlAndGoMatchThem(String noProxy, String host, int port, String matchedEntry) {
    assertEquals(Optional.ofNullable(matchedEntry), NoProxy.parse(noProxy).match(host.strip(), port));
  }
}
