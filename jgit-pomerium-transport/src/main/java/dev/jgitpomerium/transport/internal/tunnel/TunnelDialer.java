package dev.jgitpomerium.transport.internal.tunnel;

import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.PomeriumException;
import dev.jgitpomerium.transport.PomeriumProxyException;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.PomeriumUnreachableException;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.TokenRequest;
import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.config.FactoryRuntime;
import dev.jgitpomerium.transport.internal.config.Version;
import dev.jgitpomerium.transport.internal.proxy.ProxyChoice;
import dev.jgitpomerium.transport.internal.proxy.ProxyException;
import dev.jgitpomerium.transport.internal.relay.Sockets;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens {@code CONNECT} tunnels through Pomerium: TCP (directly or through a forward proxy), TLS, the request with the
 * token, and the status mapping of pomerium-cli, with one difference: a sign-in request (401 or a redirect) asks the
 * token source once for a fresh token and retries once, and nothing else is ever retried.
 */
public final class TunnelDialer {
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.TUNNEL);

  /** The tunnel ids of this JVM, which events carry. */
  private static final AtomicLong TUNNEL_IDS = new AtomicLong();

  private final FactoryRuntime settings;

  public TunnelDialer(FactoryRuntime settings) {
    this.settings = settings;
  }

  /** Opens a tunnel to {@code route}'s destination, signing in at most once. */
  public Tunnel open(Route route) throws PomeriumException {
    PomeriumEventListener listener = settings.listener();
    long start = System.nanoTime();
    long id = TUNNEL_IDS.incrementAndGet();
    Events.safely(() -> listener.tunnelOpening(id, route));
    try {
      PomeriumToken token = token(TokenRequest.initial(route));
      Attempt attempt = attempt(id, route, token);
      if (attempt.tunnel() == null) {
        int status = attempt.status();
        Events.safely(() -> listener.signInRequired(id, route, status));
        log.info("Pomerium at {} asks for sign-in for {} (HTTP {}); asking the token source for a fresh token",
            route.endpoint(), route.destination(), status);
        PomeriumToken fresh;
        try {
          fresh = settings.tokenSource().token(TokenRequest.signInRequired(route, token, status));
        } catch (IOException | RuntimeException e) {
          throw Failures.signInRequired(route, status, String.valueOf(e.getMessage()), e);
        }
        if (fresh == null) {
          throw token == null
              ? Failures.signInRequired(route, status, "no token was configured",
                  "give a token or token file, or sign in")
              : Failures.signInRequired(route, status, "the token was rejected and the token source has no newer one",
                  "sign in again or renew the token");
        }
        if (fresh.equals(token)) {
          throw Failures.signInRequired(route, status,
              "the token was rejected and the token source returned the same token again");
        }
        attempt = attempt(id, route, fresh);
        if (attempt.tunnel() == null) {
          throw Failures.signInRequired(route, attempt.status, "a freshly obtained token was rejected too",
              "check that it was issued for this Pomerium");
        }
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      log.debug("tunnel to {} open in {} ms", route, elapsed.toMillis());
      Events.safely(() -> listener.tunnelOpened(id, route, elapsed));
      return attempt.tunnel();
    } catch (PomeriumException e) {
      log.debug("tunnel to {} failed: {}", route, e.getMessage());
      Events.safely(() -> listener.tunnelFailed(id, route, e));
      throw e;
    }
  }

  private PomeriumToken token(TokenRequest request) throws PomeriumException {
    try {
      return settings.tokenSource().token(request);
    } catch (IOException e) {
      throw Failures.tokenUnavailable(request.route(), e);
    } catch (RuntimeException e) {
      throw Failures.tokenUnavailable(request.route(), new IOException(e.toString(), e));
    }
  }

  /** One TCP+TLS+CONNECT exchange: a tunnel, a sign-in request, or an exception for any other outcome. */
  private Attempt attempt(long id, Route route, PomeriumToken token) throws PomeriumException {
    ReadAheadSocket raw = readAhead(route, connect(route, proxyChoice(route)));
    long deadline = System.nanoTime() + settings.responseTimeout().toNanos();
    SSLSocket tls = handshake(route, raw);
    boolean keep = false;
    try {
      ResponseHead head = exchange(route, tls, token, deadline);
      int status = head.status();
      if (status >= 200 && status < 300) {
        try {
          // The data phase has no read timeout here: SSH has its own, and git may legitimately sit idle.
          tls.setSoTimeout(0);
          keep = true;
          return new Attempt(Tunnel.pomerium(id, route, tls, raw), status);
        } catch (IOException e) {
          throw Failures.interrupted(route, e);
        }
      }
      if (status == 401 || (status >= 300 && status < 400)) {
        // Never follow Location: it is the identity provider's page, meant for a browser.
        return new Attempt(null, status);
      }
      throw Failures.forStatus(route, head, token);
    } finally {
      if (!keep) {
        Sockets.closeQuietly(tls);
        Sockets.closeQuietly(raw);
      }
    }
  }

  /** {@code raw} with its input read ahead for TLS ({@link ReadAheadSocket}); closes it when that fails. */
  private static ReadAheadSocket readAhead(Route route, Socket raw) throws PomeriumException {
    try {
      return ReadAheadSocket.over(raw);
    } catch (IOException e) {
      Sockets.closeQuietly(raw);
      throw Failures.interrupted(route, e);
    }
  }

  private static byte[] request(Route route, PomeriumToken token) {
    StringBuilder r = new StringBuilder(256)
        .append("CONNECT ").append(route.destination()).append(" HTTP/1.1\r\n")
        .append("Host: ").append(route.destination()).append("\r\n")
        .append("User-Agent: ").append(Version.userAgent()).append("\r\n");
    if (token != null) {
      r.append("Authorization: ").append(token.authorizationHeader()).append("\r\n");
    }
    return r.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** A tunnel, or (tunnel null) the status of a sign-in request. */
  private record Attempt(Tunnel tunnel, int status) {}

  // The steps of one attempt, one at a time, for the doctor: it shows what each does.

  /** What to do when there is no token to send. */
  public static final String SIGN_IN_OR_GIVE_A_TOKEN = "sign in (signIn(endpoint) on the factory), or give a token "
      + "(tokenFile, bearerTokenFile or tokenCommand; JGIT_POMERIUM_TOKEN_FILE)";

  /**
   * How Pomerium is reached for {@code route}: directly or through a forward proxy, and which setting decided.
   *
   * @throws PomeriumProxyException if the setting that applies cannot be used
   */
  public ProxyChoice proxyChoice(Route route) throws PomeriumException {
    try {
      return settings.forwardProxies().choose(route.endpoint());
    } catch (ProxyException e) {
      throw Failures.proxy(route, e);
    }
  }

  /**
   * The stream to Pomerium: TCP to it, or through the forward proxy {@code choice} names (its TCP, TLS and CONNECT or
   * SOCKS5).
   *
   * @throws PomeriumProxyException if the proxy could not be reached or refused the way
   * @throws PomeriumUnreachableException if Pomerium could not be reached directly
   */
  public Socket connect(Route route, ProxyChoice choice) throws PomeriumException {
    try {
      return choice.connect(route.endpoint(), settings.connectTimeout(), settings.responseTimeout());
    } catch (ProxyException e) {
      throw Failures.proxy(route, e);
    } catch (IOException e) {
      throw Failures.unreachable(route, e, settings.connectTimeout(), choice);
    }
  }

  /** TLS over {@code raw} within the response timeout, as a tunnel does it; closes {@code raw} when it fails. */
  public SSLSocket handshake(Route route, Socket raw) throws PomeriumException {
    Duration timeout = settings.responseTimeout();
    try {
      raw.setSoTimeout(Math.toIntExact(timeout.toMillis()));
      return settings.tls().handshake(raw, route.endpoint());
    } catch (SocketTimeoutException e) {
      Sockets.closeQuietly(raw);
      throw Failures.timedOut(route, "the TLS handshake", timeout, e);
    } catch (IOException e) {
      Sockets.closeQuietly(raw);
      throw Failures.tls(route, e);
    }
  }

  /**
   * The certificates Pomerium presents on a connection of its own (made as {@code choice} says), trusted or not, for
   * the doctor to show after a failed handshake; empty if they cannot be had.
   */
  public List<X509Certificate> presentedChain(Route route, ProxyChoice choice) {
    Socket raw = null;
    try {
      raw = connect(route, choice);
      raw.setSoTimeout(Math.toIntExact(settings.responseTimeout().toMillis()));
      return TlsSetup.presentedChain(raw, route.endpoint());
    } catch (IOException | RuntimeException e) {
      log.debug("could not fetch the certificates of {}: {}", route.endpoint(), e.toString());
      return List.of();
    } finally {
      Sockets.closeQuietly(raw);
    }
  }

  /**
   * Sends {@code CONNECT} with {@code token} (null: none) and reads the final answer's head within the response
   * timeout; the stream is left at the first byte after it.
   */
  public ResponseHead exchange(Route route, SSLSocket tls, PomeriumToken token) throws PomeriumException {
    return exchange(route, tls, token, System.nanoTime() + settings.responseTimeout().toNanos());
  }

  /** As {@link #exchange(Route, SSLSocket, PomeriumToken)}, by {@code deadline} ({@link System#nanoTime()}). */
  private ResponseHead exchange(Route route, SSLSocket tls, PomeriumToken token, long deadline)
      throws PomeriumException {
    Duration timeout = settings.responseTimeout();
    try {
      OutputStream out = tls.getOutputStream();
      out.write(request(route, token));
      out.flush();
      ResponseHead head;
      do {
        // Interim 1xx answers precede the real one; a deadline bounds the whole head, however slowly it trickles.
        head = ResponseHead.read(tls.getInputStream(), HeadReader.MAX_RESPONSE_BYTES,
            () -> tls.setSoTimeout(HeadReader.remainingMillis(deadline)));
      } while (head.status() < 200);
      return head;
    } catch (SocketTimeoutException e) {
      throw Failures.timedOut(route, "its answer to CONNECT", timeout, e);
    } catch (IOException e) {
      // Under TLS 1.3 Pomerium judges the client certificate after the client's handshake has ended: its refusal
      // (an alert, a reset, a broken pipe) shows here, at the first write or read.
      Optional<IOException> refused = settings.tls().clientCertificateRefused(tls, e);
      if (refused.isPresent()) {
        throw Failures.tls(route, refused.get());
      }
      throw e instanceof ProtocolException || e instanceof EOFException ? Failures.malformed(route, e)
          : Failures.interrupted(route, e);
    }
  }

  /**
   * The failure an answer other than 2xx is, as a tunnel reports it when it may not sign in: for 401 or a redirect,
   * that {@code token} (null: none) was missing or rejected.
   */
  public static PomeriumException refusal(Route route, ResponseHead head, PomeriumToken token) {
    int status = head.status();
    if (status == 401 || (status >= 300 && status < 400)) {
      return token == null
          ? Failures.signInRequired(route, status, "no token was available", SIGN_IN_OR_GIVE_A_TOKEN)
          : Failures.signInRequired(route, status, "the token was rejected", "sign in again or renew the token");
    }
    return Failures.forStatus(route, head, token);
  }
}
