package dev.jgitpomerium.transport.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** pomerium-cli's {@code --client-cert-issuer} / {@code --client-cert-subject} conditions, case by case as its own. */
class CertificateFilterTest {
  private static final X500Principal ISSUER =
      new X500Principal("CN=Test Root CA, OU=DevOps, OU=Engineering, O=Pomerium, C=US");
  private static final X500Principal SUBJECT = new X500Principal(
      "CN=Test Certificate, O=Pomerium, L=Los Angeles, ST=California, C=US, OID.2.5.4.17=90001, SERIALNUMBER=67890");

  private static boolean matches(String filter, X500Principal name) {
    return CertificateFilter.parse(filter).matches(name);
  }

  @Test
  void anAttributeMatchesItsValueExactly() {
    assertTrue(matches("CN=Test Root CA", ISSUER));
    assertFalse(matches("CN=Test Certificate", ISSUER));
    assertTrue(matches("ST=California", SUBJECT));
    assertFalse(matches("ST=New York", SUBJECT));
    assertFalse(matches("CN=Test", SUBJECT), "a prefix is not a match");
  }

  @Test
  void attributeNamesAreShortOrLongInAnyCaseButValuesAreCaseSensitive() {
    assertTrue(matches("organizationName=Pomerium", ISSUER));
    assertTrue(matches("LOCALITYNAME=Los Angeles", SUBJECT));
    assertTrue(matches("o=Pomerium", SUBJECT));
    assertFalse(matches("o=pomerium", SUBJECT));
    assertTrue(matches("postalCode=90001", SUBJECT));
    assertTrue(matches("serialNumber=67890", SUBJECT));
  }

  @Test
  void anyOfSeveralValuesOfAnAttributeMatches() {
    assertTrue(matches("OU=Engineering", ISSUER));
    assertTrue(matches("OU=DevOps", ISSUER));
  }

  @Test
  void aMalformedOrUnknownConditionIsRefusedWithPomeriumClisWords() {
    assertEquals("expected filter format attr=value, but was \"foo\"",
        assertThrows(IllegalArgumentException.class, () -> CertificateFilter.parse("foo")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CertificateFilter.parse("foo=bar")).getMessage()
        .startsWith("unsupported attribute \"foo\""));
  }
}
