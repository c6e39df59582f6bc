package dev.jgitpomerium.transport.internal.proxy;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.internal.config.Version;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import dev.jgitpomerium.transport.internal.tunnel.ResponseHead;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code CONNECT host:port} to an HTTP proxy, with {@code Proxy-Authorization: Basic} sent at once when the URL has
 * credentials (curl and Go do the same; a 407 round trip gains nothing). The answer's head is read byte by byte up
 * to its blank line, so that nothing of Pomerium's TLS is consumed, within a deadline however slowly it comes.
 */
final class HttpConnect {
  private HttpConnect() {}

  static Socket open(Socket s, ProxyChoice choice, PomeriumEndpoint endpoint, long deadline, Duration timeout)
      throws ProxyException {
    ProxyUrl proxy = choice.url();
    String target = endpoint.authority();
    String where = "the proxy " + proxy.address() + " (" + choice.reason() + ")";
    try {
      StringBuilder request = new StringBuilder(256)
          .append("CONNECT ").append(target).append(" HTTP/1.1\r\n")
          .append("Host: ").append(target).append("\r\n")
          .append("User-Agent: ").append(Version.userAgent()).append("\r\n");
      String authorization = proxy.basicAuthorization();
      if (authorization != null) {
        request.append("Proxy-Authorization: ").append(authorization).append("\r\n");
      }
      OutputStream out = s.getOutputStream();
      out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ResponseHead head;
      do {
        head = ResponseHead.read(s.getInputStream(), HeadReader.MAX_RESPONSE_BYTES,
            () -> s.setSoTimeout(HeadReader.remainingMillis(deadline)));
      } while (head.status() < 200);
      int status = head.status();
      if (status >= 200 && status < 300) {
        return s;
      }
      throw refused(choice, where, target, head);
    } catch (ProxyException e) {
      throw e;
    } catch (SocketTimeoutException e) {
      throw choice.failure(where + " did not answer CONNECT " + target + " within the response timeout ("
          + ProxyChoice.seconds(timeout) + ")", null, e);
    } catch (ProtocolException | EOFException e) {
      throw choice.failure(where + " sent an invalid answer to CONNECT " + target + ": " + e.getMessage(),
          "is it an HTTP proxy? For a SOCKS proxy write socks5:// or socks5h:// in " + choice.source(), e);
    } catch (IOException e) {
      throw choice.failure("the connection to " + where + " failed during CONNECT " + target + ": "
          + e.getMessage(), null, e);
    }
  }

  /**
   * The schemes of a 407's {@code Proxy-Authenticate} challenges ("NTLM or Negotiate") when none is Basic, the only
   * one sent here; null when Basic is offered or no challenge is named.
   */
  static String unsupportedSchemes(ResponseHead head) {
    java.util.Set<String> schemes = new java.util.LinkedHashSet<>();
    for (String challenge : head.headers("Proxy-Authenticate")) {
      // One header may hold several challenges; each starts with its scheme, a token not followed by '='.
      for (String part : challenge.split(",")) {
        String word = part.strip().split("[\\s=]", 2)[0];
        boolean isParameter = part.strip().length() > word.length() && part.strip().charAt(word.length()) == '=';
        if (word.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+") && !isParameter) {
          schemes.add(word);
        }
      }
    }
    if (schemes.isEmpty() || schemes.stream().anyMatch(s -> s.equalsIgnoreCase("Basic"))) {
      return null;
    }
    return String.join(" or ", schemes);
  }

  private static ProxyException refused(ProxyChoice choice, String where, String target, ResponseHead head) {
    int status = head.status();
    String code = "(HTTP " + status + (head.reason().isEmpty() ? "" : " " + head.reason()) + ")";
    ProxyUrl proxy = choice.url();
    String unsupported = status == 407 ? unsupportedSchemes(head) : null;
    return switch (status) {
      case 407 -> unsupported != null
          ? choice.failure(status, where + " refused CONNECT " + target + " " + code + ": the proxy asks for "
              + unsupported + " authentication, which jgit-pomerium does not support", "point " + choice.source()
              + " at a local relay that authenticates for you, such as cntlm or px", null)
          : choice.failure(status, where + " refused CONNECT " + target + " " + code
          + ": proxy authentication required", proxy.hasCredentials()
              ? "check the credentials in " + choice.source()
              : choice.credentialsHint(), null);
      case 502, 503, 504 -> choice.failure(status, where + " could not reach Pomerium at " + target + " " + code,
          "check that the proxy can resolve and reach Pomerium's host, or put Pomerium's host in NO_PROXY if it is"
              + " reached directly", null);
      case 403 -> choice.failure(status, where + " refused CONNECT " + target + " " + code
          + ": its policy does not allow it", "ask the proxy's administrators to allow CONNECT to " + target, null);
      default -> choice.failure(status, where + " refused CONNECT " + target + " " + code, null, null);
    };
  }
}
