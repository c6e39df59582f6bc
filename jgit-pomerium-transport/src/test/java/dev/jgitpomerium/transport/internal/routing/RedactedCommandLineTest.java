package dev.jgitpomerium.transport.internal.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a ProxyCommand line is shown: never a service-account token or a forward proxy's password. */
class RedactedCommandLineTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "pomerium-cli tcp --service-account svc-SECRET %h:%p | pomerium-cli tcp --service-account <redacted> %h:%p",
      "pomerium-cli tcp --service-account=svc-SECRET %h:%p | pomerium-cli tcp --service-account=<redacted> %h:%p",
      "pomerium-cli tcp \"--service-account\" \"svc-SECRET\" %h:%p"
          + " | pomerium-cli tcp \"--service-account\" <redacted> %h:%p",
      "pomerium-cli tcp \"--service-account=svc-SECRET\" %h:%p | pomerium-cli tcp --service-account=<redacted> %h:%p",
      "pomerium-cli tcp '--service-account' 'svc SECRET' %h:%p | pomerium-cli tcp '--service-account' <redacted> %h:%p",
      "pomerium-cli tcp --service-account \"svc-SECRET | pomerium-cli tcp --service-account <redacted>",
      "pomerium-cli tcp --service-account-file /run/t %h:%p | pomerium-cli tcp --service-account-file /run/t %h:%p",
      "pomerium-cli tcp --forward-proxy \"http://alice:s3cret@127.0.0.1:3129\" %h:%p"
          + " | pomerium-cli tcp --forward-proxy 'http://***@127.0.0.1:3129' %h:%p",
      "pomerium-cli tcp \"--forward-proxy=http://alice:s3 cret@p:1\" %h:%p"
          + " | pomerium-cli tcp --forward-proxy='http://***@p:1' %h:%p",
      "pomerium-cli tcp --forward-proxy 'http://a:b@c@p:1/x y' %h:%p"
          + " | pomerium-cli tcp --forward-proxy 'http://***@p:1/x y' %h:%p",
      "pomerium-cli tcp --pomerium-url \"$GW_URL\" --browser-cmd 'firefox -P w' %h:%p"
          + " | pomerium-cli tcp --pomerium-url \"$GW_URL\" --browser-cmd 'firefox -P w' %h:%p",
  })
  void secretsAreHiddenWhicheverWayTheFlagAndItsValueAreQuotedAndTheRestIsShownAsWritten(String line, String shown) {
    assertEquals(shown, RedactedCommandLine.of(line));
  }
}
