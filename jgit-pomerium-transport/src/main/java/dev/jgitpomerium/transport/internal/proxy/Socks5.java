package dev.jgitpomerium.transport.internal.proxy;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A SOCKS5 {@code CONNECT} (RFC 1928), with user name and password (RFC 1929) when the URL has them. {@code
 * socks5h://} sends Pomerium's name for the proxy to resolve (address type 3); {@code socks5://} resolves it here and
 * sends the address (types 1 and 4), as curl does. Every read is bounded in size and by the deadline.
 */
final class Socks5 {
  private static final int VERSION = 5;
  private static final int NO_AUTHENTICATION = 0;
  private static final int USER_PASSWORD = 2;
  private static final int NO_ACCEPTABLE_METHOD = 0xff;

  private Socks5() {}

  static Socket open(Socket s, ProxyChoice choice, PomeriumEndpoint endpoint, long deadline, Duration timeout)
      throws ProxyException {
    ProxyUrl proxy = choice.url();
    String target = endpoint.authority();
    String where = "the SOCKS5 proxy " + proxy.address() + " (" + choice.reason() + ")";
    byte[] destination = destination(choice, endpoint, where);
    try {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(proxy.hasCredentials()
          ? new byte[] {VERSION, 2, NO_AUTHENTICATION, USER_PASSWORD}
          : new byte[] {VERSION, 1, NO_AUTHENTICATION});
      out.flush();
      byte[] method = read(s, in, 2, deadline);
      if (method[0] != VERSION) {
        throw choice.failure(where + " did not answer as a SOCKS5 proxy (version byte " + (method[0] & 0xff) + ")",
            "check the scheme of the proxy URL in " + choice.source(), null);
      }
      int chosen = method[1] & 0xff;
      if (chosen == NO_ACCEPTABLE_METHOD) {
        throw choice.failure(where + " accepts none of the authentication methods offered ("
            + (proxy.hasCredentials() ? "none, user name and password" : "none") + ")", proxy.hasCredentials()
                ? "ask the proxy's administrators which method it needs"
                : choice.credentialsHint(), null);
      }
      if (chosen == USER_PASSWORD && proxy.hasCredentials()) {
        byte[] user = proxy.username().getBytes(StandardCharsets.UTF_8);
        byte[] password = proxy.password().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream auth = new ByteArrayOutputStream();
        auth.write(1);
        auth.write(user.length);
        auth.writeBytes(user);
        auth.write(password.length);
        auth.writeBytes(password);
        out.write(auth.toByteArray());
        out.flush();
        byte[] status = read(s, in, 2, deadline);
        if (status[1] != 0) {
          throw choice.failure(where + " rejected the user name and password",
              "check the credentials in " + choice.source(), null);
        }
      } else if (chosen != NO_AUTHENTICATION) {
        throw choice.failure(where + " chose an authentication method this client does not offer (" + chosen + ")",
            null, null);
      }
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(new byte[] {VERSION, 1, 0});
      request.writeBytes(destination);
      request.write(endpoint.port() >> 8);
      request.write(endpoint.port() & 0xff);
      out.write(request.toByteArray());
      out.flush();
      byte[] reply = read(s, in, 4, deadline);
      if (reply[0] != VERSION) {
        throw choice.failure(where + " sent an invalid reply to CONNECT " + target + " (version byte "
            + (reply[0] & 0xff) + ")", null, null);
      }
      int code = reply[1] & 0xff;
      if (code != 0) {
        throw replyFailure(choice, where, target, code);
      }
      int addressLength = switch (reply[3]) {
        case 1 -> 4;
        case 4 -> 16;
        case 3 -> read(s, in, 1, deadline)[0] & 0xff;
        default -> throw choice.failure(where + " sent an invalid reply to CONNECT " + target + " (address type "
            + (reply[3] & 0xff) + ")", null, null);
      };
      read(s, in, addressLength + 2, deadline); // the bound address and port, which nothing here needs
      return s;
    } catch (ProxyException e) {
      throw e;
    } catch (SocketTimeoutException e) {
      throw choice.failure(where + " did not complete CONNECT " + target + " within the response timeout ("
          + ProxyChoice.seconds(timeout) + ")", null, e);
    } catch (EOFException e) {
      throw choice.failure(where + " closed the connection during CONNECT " + target, "is it a SOCKS5 proxy? For an"
          + " HTTP proxy write http:// in " + choice.source(), e);
    } catch (IOException e) {
      throw choice.failure("the connection to " + where + " failed during CONNECT " + target + ": "
          + e.getMessage(), null, e);
    }
  }

  /** ATYP and DST.ADDR: the name for socks5h (and for socks5 a literal's bytes, or the address resolved here). */
  private static byte[] destination(ProxyChoice choice, PomeriumEndpoint endpoint, String where)
      throws ProxyException {
    String host = endpoint.host();
    byte[] literal = NoProxy.literal(host.toLowerCase(java.util.Locale.ROOT));
    if (literal == null && choice.url().scheme() == ProxyUrl.Scheme.SOCKS5) {
      try {
        literal = InetAddress.getByName(host).getAddress();
      } catch (UnknownHostException e) {
        throw choice.failure("cannot resolve Pomerium's host " + host + " here for " + where + " (socks5:// sends an"
            + " address)", "write socks5h:// to let the proxy resolve the name", e);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (literal != null) {
      out.write(literal.length == 4 ? 1 : 4);
      out.writeBytes(literal);
    } else {
      byte[] name = host.getBytes(StandardCharsets.US_ASCII);
      if (name.length > 255) {
        throw choice.failure("Pomerium's host name is too long for SOCKS5 (" + name.length + " bytes)", null, null);
      }
      out.write(3);
      out.write(name.length);
      out.writeBytes(name);
    }
    return out.toByteArray();
  }

  private static ProxyException replyFailure(ProxyChoice choice, String where, String target, int code) {
    String words = switch (code) {
      case 1 -> "general failure";
      case 2 -> "not allowed by its ruleset";
      case 3 -> "network unreachable";
      case 4 -> "host unreachable";
      case 5 -> "connection refused";
      case 6 -> "TTL expired";
      case 7 -> "command not supported";
      case 8 -> "address type not supported";
      default -> "unknown error";
    };
    String what = where + " could not connect to Pomerium at " + target + ": " + words + " (SOCKS5 reply " + code + ")";
    String hint = switch (code) {
      case 2 -> "ask the proxy's administrators to allow connections to " + target;
      // A general failure is what microsocks, for one, answers when it cannot resolve the name.
      case 1, 3, 4, 5, 6 -> "check that the proxy can resolve and reach " + target + ", or put Pomerium's host in"
          + " NO_PROXY if it is reached directly";
      case 8 -> choice.url().scheme() == ProxyUrl.Scheme.SOCKS5H
          ? "the proxy does not resolve names: write socks5:// to resolve Pomerium's name here" : null;
      default -> null;
    };
    return choice.failure(what, hint, null);
  }

  /** Exactly {@code n} bytes, each read bounded by what is left of {@code deadline}. */
  private static byte[] read(Socket s, InputStream in, int n, long deadline) throws IOException {
    byte[] buf = new byte[n];
    int off = 0;
    while (off < n) {
      s.setSoTimeout(HeadReader.remainingMillis(deadline));
      int r = in.read(buf, off, n - off);
      if (r < 0) {
        throw new EOFException("the proxy closed the connection");
      }
      off += r;
    }
    return buf;
  }
}
