package dev.jgitpomerium.transport.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Proxy URLs as curl and Go read them; credentials decoded for the dialers and never shown. */
class ProxyUrlTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "http://proxy.corp:3128          | http://proxy.corp:3128",
      "proxy.corp:3128                 | http://proxy.corp:3128",
      "HTTP://Proxy.Corp:3128/         | http://proxy.corp:3128",
      "http://proxy.corp               | http://proxy.corp:80",
      "https://proxy.corp              | https://proxy.corp:443",
      "socks5://proxy.corp             | socks5://proxy.corp:1080",
      "socks5h://u:p@proxy.corp:1081   | socks5h://***@proxy.corp:1081",
      "http://[2001:db8::5]:3128       | http://[2001:db8::5]:3128",
      "http://10.0.0.5:3128            | http://10.0.0.5:3128",
  })
  void parsesWithGosDefaultsAndShowsNoCredentials(String url, String shown) {
    assertEquals(shown, ProxyUrl.parse(url).toString());
  }

  @Test
  void credentialsArePercentDecodedAndSentAsBasic() {
    ProxyUrl url = ProxyUrl.parse("http://d%C3%A9v%40corp:p%3Ass%25w@proxy:3128");
    assertEquals("dév@corp", url.username());
    assertEquals("p:ss%w", url.password());
    assertEquals("Basic ZMOpdkBjb3JwOnA6c3Mldw==", url.basicAuthorization());
    assertNull(ProxyUrl.parse("http://proxy:3128").basicAuthorization());
    assertEquals("", ProxyUrl.parse("http://user@proxy:3128").password());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "socks4://u:s3cret@proxy:1080    | unsupported proxy scheme 'socks4' in 'socks4://***@proxy:1080': use http://,"
          + " https://, socks5:// or socks5h://",
      "http://u:s3cret@:3128           | the proxy URL 'http://***@:3128' names no host",
      "http://u:s3cret@proxy:99999     | invalid port in proxy URL 'http://***@proxy:99999'",
      "http://u:s3cret@proxy:x         | invalid port in proxy URL 'http://***@proxy:x'",
      "http://u:s3cret@proxy:3128/path | a proxy URL has no path: 'http://***@proxy:3128/path'",
      "http://u:s3%zzcret@proxy:3128   | invalid percent escape in the credentials of proxy URL"
          + " 'http://***@proxy:3128'",
      "http://2001:db8::5:3128         | an IPv6 proxy address needs brackets: 'http://2001:db8::5:3128'",
      "http://alice:s3cret/x@127.0.0.1:3129 | the user name or password in proxy URL 'http://***@127.0.0.1:3129'"
          + " holds a '/', '?' or '#': percent-encode them (%2F, %3F, %23)",
      "http://bob:p@s3:w/rd%x@127.0.0.1:3129 | the user name or password in proxy URL 'http://***@127.0.0.1:3129'"
          + " holds a '/', '?' or '#': percent-encode them (%2F, %3F, %23)",
      "http://bob:s3c#ret@proxy:1      | the user name or password in proxy URL 'http://***@proxy:1' holds a '/',"
          + " '?' or '#': percent-encode them (%2F, %3F, %23)",
      "socks5h://bob:s3c?r@proxy:1     | the user name or password in proxy URL 'socks5h://***@proxy:1' holds a"
          + " '/', '?' or '#': percent-encode them (%2F, %3F, %23)",
      "bob:s3://cret@proxy:1           | the user name or password in proxy URL '***@proxy:1' holds a '/', '?' or"
          + " '#': percent-encode them (%2F, %3F, %23)",
      "http://bob:p@s3:rd%x@proxy:1    | invalid percent escape in the credentials of proxy URL 'http://***@proxy:1'",
      "ftp://bob:s3@cret@proxy:1       | unsupported proxy scheme 'ftp' in 'ftp://***@proxy:1': use http://,"
          + " https://, socks5:// or socks5h://",
  })
  void aBadUrlIsNamedWithoutItsCredentials(String url, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProxyUrl.parse(url));
    assertEquals(message, e.getMessage());
    assertFalse(e.getMessage().contains("s3"));
  }

  @Test
  void anUnencodedAtOrColonInThePasswordIsTakenUpToTheLastAt() {
    ProxyUrl url = ProxyUrl.parse("http://bob:p@ss:w@proxy:3128");
    assertEquals("bob", url.username());
    assertEquals("p@ss:w", url.password());
    assertEquals("http://***@proxy:3128", url.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "http://alice:s3cret/x@127.0.0.1:3129 | http://***@127.0.0.1:3129",
      "http://bob:p@ss:w/rd%x@127.0.0.1:3129 | http://***@127.0.0.1:3129",
      "alice:x://s3cret@proxy:1            | ***@proxy:1",
      "http://a%:?#/@@proxy:1/             | http://***@proxy:1/",
      "http://proxy:3128/                  | http://proxy:3128/",
  })
  void redactionHidesEverythingUpToTheLastAtWhateverThePasswordHolds(String value, String shown) {
    assertEquals(shown, ProxyUrl.redact(value));
  }
}
