package dev.jgitpomerium.transport.internal.tunnel;

import dev.jgitpomerium.transport.PomeriumAccessDeniedException;
import dev.jgitpomerium.transport.PomeriumException;
import dev.jgitpomerium.transport.PomeriumProtocolException;
import dev.jgitpomerium.transport.PomeriumProxyException;
import dev.jgitpomerium.transport.PomeriumRouteNotFoundException;
import dev.jgitpomerium.transport.PomeriumSignInRequiredException;
import dev.jgitpomerium.transport.PomeriumTlsException;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.PomeriumUnavailableException;
import dev.jgitpomerium.transport.PomeriumUnreachableException;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.internal.HintedIOException;
import dev.jgitpomerium.transport.internal.proxy.ProxyChoice;
import dev.jgitpomerium.transport.internal.proxy.ProxyException;
import dev.jgitpomerium.transport.internal.token.Jwts;
import java.io.IOException;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * Every user-facing failure message of the tunnel, in one place. Each names the Pomerium endpoint, the destination
 * and the status, says what it means and what to do, and never includes a token.
 */
public final class Failures {
  private Failures() {}

  /**
   * OpenSSH's words for an SSH server that could not be reached directly ({@code Could not resolve hostname h: Name
   * or service not known}, {@code connect to host h port p: Connection refused}), or null if {@code failure} is not
   * that: sshd reports these as {@code DefaultConnectFuture[user@h/<unresolved>:22]: Failed (...)}. An IPv6 literal is
   * named unbracketed, as OpenSSH names it ({@code connect to host ::1 port 22422}).
   */
  public static String sshConnectFailure(Throwable failure, String host, int port) {
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    for (Throwable t = failure; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return "Could not resolve hostname " + host + ": Name or service not known";
      }
      if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException) {
        String why = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return "connect to host " + host + " port " + port + ": " + why;
      }
    }
    return null;
  }

  static PomeriumException forStatus(Route route, ResponseHead head) {
    return forStatus(route, head, null);
  }

  /** As {@link #forStatus(Route, ResponseHead)}; a 403 to a bearer JWT ({@code token}) names the identity it claims. */
  static PomeriumException forStatus(Route route, ResponseHead head, PomeriumToken token) {
    int status = head.status();
    String where = route.destination() + " through Pomerium at " + route.endpoint();
    String identity = status == 403 ? Jwts.describe(token) : null;
    if (identity != null) {
      // Pomerium answers 403 both to a bearer JWT it cannot verify and to one whose claims the policy refuses.
      String hint = "check that Pomerium's identity_providers has an entry for this issuer whose audiences include "
          + "this audience, that the route has bearer_token_format: jwt, and that its policy allows these claims "
          + "(Pomerium's authorize log says which failed)";
      return new PomeriumAccessDeniedException(route, status, "Pomerium denied access to " + where + " (HTTP 403"
          + reason(head) + ") for the bearer JWT sent (" + identity + "): it could not verify the token or the route's "
          + "policy does not allow it; " + hint, hint, null);
    }
    if (status == 403 && token != null && token.scheme() == PomeriumToken.Scheme.BEARER && !Jwts.isJwt(token.value())) {
      // Not a policy decision: Pomerium could not read an identity in it at all.
      String hint = "give the CI's OIDC identity token (a JWT), or use the token on a route with "
          + "bearer_token_format: idp_access_token, which may accept an identity provider's opaque access token";
      return new PomeriumAccessDeniedException(route, status, "Pomerium denied access to " + where + " (HTTP 403"
          + reason(head) + "): the bearer token sent is not a JWT; a route with bearer_token_format: jwt only accepts "
          + "JWTs; " + hint, hint, null);
    }
    switch (status) {
      case 403: {
        String hint = "ask the route's administrator for access (signing in again will not help)";
        return new PomeriumAccessDeniedException(route, status, "Pomerium denied access to " + where + " (HTTP 403"
            + reason(head) + "): your account is not allowed by the route's policy; " + hint, hint, null);
      }
      case 404: {
        String hint = "check that a route 'from: tcp+https://" + route.destination() + "' exists; its port is the "
            + "SSH port (" + route.port() + "), not Pomerium's port (" + route.endpoint().port() + ")";
        return new PomeriumRouteNotFoundException(route, status, "Pomerium at " + route.endpoint()
            + " has no TCP route for " + route.destination() + " (HTTP 404" + reason(head) + "): " + hint, hint, null);
      }
      case 503: {
        String hint = "try again later or check the route's 'to' address";
        return new PomeriumUnavailableException(route, status, "Pomerium could not reach " + where + " (HTTP 503"
            + reason(head) + "): the SSH server behind the route is unavailable; " + hint, hint, null);
      }
      default:
        return new PomeriumProtocolException(route, status, "Pomerium refused the tunnel to " + where + " (HTTP "
            + status + reason(head) + ")", null);
    }
  }

  static PomeriumSignInRequiredException signInRequired(Route route, int status, String why) {
    return signInRequired(route, status, why, (Throwable) null);
  }

  /** {@code why} is {@code cause}'s message: its hint, if it has one, is the failure's. */
  static PomeriumSignInRequiredException signInRequired(Route route, int status, String why, Throwable cause) {
    return new PomeriumSignInRequiredException(route, status, "Pomerium at " + route.endpoint()
        + " requires sign-in for " + route.destination() + " (HTTP " + status + "): " + why, hintOf(cause), cause);
  }

  /** As {@link #signInRequired(Route, int, String)}, {@code why} followed by what to do. */
  static PomeriumSignInRequiredException signInRequired(Route route, int status, String why, String hint) {
    return new PomeriumSignInRequiredException(route, status, "Pomerium at " + route.endpoint()
        + " requires sign-in for " + route.destination() + " (HTTP " + status + "): " + why + "; " + hint, hint, null);
  }

  /** A token source's failure; one at the forward proxy (the sign-in request's) is reported as the tunnel's is. */
  public static PomeriumException tokenUnavailable(Route route, IOException cause) {
    ProxyException proxy = ProxyException.in(cause);
    if (proxy != null) {
      return proxy(route, proxy);
    }
    return new PomeriumException(route, PomeriumException.NO_STATUS, "could not get a token for Pomerium at "
        + route.endpoint() + " (for " + route.destination() + "): " + cause.getMessage(), hintOf(cause), cause);
  }

  private static String hintOf(Throwable cause) {
    return cause instanceof HintedIOException hinted ? hinted.hint() : null;
  }

  /** As {@link #unreachable(Route, IOException, Duration)}, naming the setting that left a configured proxy out. */
  public static PomeriumUnreachableException unreachable(Route route, IOException cause, Duration connectTimeout,
      ProxyChoice choice) {
    PomeriumUnreachableException e = unreachable(route, cause, connectTimeout);
    if (choice == null || choice.bypass() == null) {
      return e;
    }
    return new PomeriumUnreachableException(route, PomeriumException.NO_STATUS, e.getMessage() + " (connected"
        + " directly: " + choice.bypass() + ")", cause);
  }

  public static PomeriumUnreachableException unreachable(Route route, IOException cause, Duration connectTimeout) {
    String detail;
    if (cause instanceof UnknownHostException) {
      detail = "unknown host " + route.endpoint().host();
    } else if (cause instanceof java.net.SocketTimeoutException) {
      detail = "no answer within the connect timeout (" + seconds(connectTimeout) + ")";
    } else {
      detail = String.valueOf(cause.getMessage());
    }
    return new PomeriumUnreachableException(route, PomeriumException.NO_STATUS, "cannot reach Pomerium at "
        + route.endpoint() + " (for " + route.destination() + "): " + detail, cause);
  }

  /**
   * The forward proxy's failure, for this route: its message, with the destination added to what failed, and its
   * hint.
   */
  public static PomeriumProxyException proxy(Route route, ProxyException cause) {
    String what = cause.what() + " (for " + route.destination() + ")";
    String hint = cause.hint();
    return new PomeriumProxyException(route, cause.proxy(), cause.proxyStatus(),
        hint == null ? what : what + "; " + hint, hint, cause);
  }

  static PomeriumTlsException tls(Route route, IOException cause) {
    if (cause instanceof ClientCertificateRequest.Refused refused) {
      ClientCertificateRequest request = refused.request();
      String hint = request.configured()
          ? "renew the client certificate, or give the one Pomerium expects (clientCertificate, "
              + "clientCertificatePkcs12 or clientCertificateFromStore)"
          : "give one (clientCertificate(cert, key), clientCertificatePkcs12 or clientCertificateFromStore)";
      return new PomeriumTlsException(route, PomeriumException.NO_STATUS, "Pomerium at " + route.endpoint() + " "
          + request.what(java.time.Instant.now()) + " (for " + route.destination() + "; TLS: " + cause.getMessage()
          + "); " + hint, hint, true, cause);
    }
    String hint = "if Pomerium uses a private CA, add its certificate (addCaCertificates, or jgit.pomerium.caFile)";
    return new PomeriumTlsException(route, PomeriumException.NO_STATUS, "TLS handshake with Pomerium at "
        + route.endpoint() + " failed (for " + route.destination() + "): " + cause.getMessage() + "; " + hint, hint,
        cause);
  }

  static PomeriumProtocolException timedOut(Route route, String phase, Duration timeout, IOException cause) {
    return new PomeriumProtocolException(route, PomeriumException.NO_STATUS, "Pomerium at " + route.endpoint()
        + " did not complete " + phase + " for " + route.destination() + " within the response timeout ("
        + seconds(timeout) + ")", cause);
  }

  static PomeriumProtocolException malformed(Route route, IOException cause) {
    String hint = "is this address really Pomerium (and not a proxy that does not pass CONNECT)?";
    return new PomeriumProtocolException(route, PomeriumException.NO_STATUS, "Pomerium at " + route.endpoint()
        + " sent an invalid answer to CONNECT " + route.destination() + ": " + cause.getMessage() + "; " + hint,
        hint, cause);
  }

  static PomeriumProtocolException interrupted(Route route, IOException cause) {
    return new PomeriumProtocolException(route, PomeriumException.NO_STATUS, "the connection to Pomerium at "
        + route.endpoint() + " failed while opening the tunnel to " + route.destination() + ": "
        + cause.getMessage(), cause);
  }

  private static String reason(ResponseHead head) {
    return head.reason().isEmpty() ? "" : " " + head.reason();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
