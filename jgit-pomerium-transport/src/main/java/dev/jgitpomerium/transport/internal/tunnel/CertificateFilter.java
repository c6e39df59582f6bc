package dev.jgitpomerium.transport.internal.tunnel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * One condition on a certificate's issuer or subject name, in pomerium-cli's {@code --client-cert-issuer} and {@code
 * --client-cert-subject} syntax: {@code attribute=value} ({@code CN=Corp Device CA}, {@code O=Example}). As there, the
 * attribute is one of a fixed set, named short or long and in any case; the value is compared exactly, and matches
 * when any of the name's values for that attribute equals it (a name may hold several {@code OU}s).
 */
public final class CertificateFilter {
  /** pomerium-cli's attributes (RFC 4519 names and their abbreviations), by lower-case name, to their OIDs. */
  private static final Map<String, String> ATTRIBUTES = Map.ofEntries(
      Map.entry("commonname", "2.5.4.3"), Map.entry("cn", "2.5.4.3"),
      Map.entry("countryname", "2.5.4.6"), Map.entry("c", "2.5.4.6"),
      Map.entry("localityname", "2.5.4.7"), Map.entry("l", "2.5.4.7"),
      Map.entry("organizationname", "2.5.4.10"), Map.entry("o", "2.5.4.10"),
      Map.entry("organizationalunitname", "2.5.4.11"), Map.entry("ou", "2.5.4.11"),
      Map.entry("postalcode", "2.5.4.17"),
      Map.entry("serialnumber", "2.5.4.5"),
      Map.entry("stateorprovincename", "2.5.4.8"), Map.entry("st", "2.5.4.8"),
      Map.entry("streetaddress", "2.5.4.9"), Map.entry("street", "2.5.4.9"));

  private final String text;
  private final String oid;
  private final String value;

  private CertificateFilter(String text, String oid, String value) {
    this.text = text;
    this.oid = oid;
    this.value = value;
  }

  /**
   * Parses {@code attribute=value}.
   *
   * @throws IllegalArgumentException naming what is wrong, as pomerium-cli does
   */
  public static CertificateFilter parse(String filter) {
    if (filter == null) {
      throw new NullPointerException("filter == null");
    }
    int eq = filter.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("expected filter format attr=value, but was \"" + filter + "\"");
    }
    String attribute = filter.substring(0, eq);
    String oid = ATTRIBUTES.get(attribute.toLowerCase(Locale.ROOT));
    if (oid == null) {
      throw new IllegalArgumentException("unsupported attribute \"" + attribute.toLowerCase(Locale.ROOT)
          + "\" in \"" + filter + "\" (use CN, C, L, O, OU, ST, STREET, postalCode or serialNumber)");
    }
    return new CertificateFilter(filter, oid, filter.substring(eq + 1));
  }

  /** Whether {@code name} holds this attribute with this value. */
  public boolean matches(X500Principal name) {
    return values(name, oid).contains(value);
  }

  /** Every value of the attribute {@code oid} in {@code name}, in order. */
  private static List<String> values(X500Principal name, String oid) {
    List<String> values = new ArrayList<>();
    try {
      // OIDs as the type names, so that each attribute is found by number whatever keyword the JDK knows it by.
      LdapName ldap = new LdapName(name.getName(X500Principal.RFC2253, Map.of(oid, "X")));
      for (Rdn rdn : ldap.getRdns()) {
        NamingEnumeration<? extends Attribute> attributes = rdn.toAttributes().getAll();
        while (attributes.hasMore()) {
          Attribute attribute = attributes.next();
          if (attribute.getID().equals("X")) {
            for (int i = 0; i < attribute.size(); i++) {
              values.add(String.valueOf(attribute.get(i)));
            }
          }
        }
      }
    } catch (NamingException e) {
      return List.of(); // a name the JDK printed but cannot read back holds nothing to compare
    }
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CertificateFilter other && other.oid.equals(oid) && other.value.equals(value);
  }

  @Override
  public int hashCode() {
    return oid.hashCode() * 31 + value.hashCode();
  }

  /** As given. */
  @Override
  public String toString() {
    return text;
  }
}
