package dev.jgitpomerium.testkit;

import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What {@link PomeriumGateway} allows and what goes wrong: its routes, the tokens it accepts (given, minted by
 * sign-ins, revoked), the scripted answers a test queued and the fault it set, and the answer Pomerium would give a
 * request from all of these.
 */
final class GatewayPolicy {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, InetSocketAddress> routes = new ConcurrentHashMap<>();
  private final Set<String> tokens = ConcurrentHashMap.newKeySet(); // changed under tokenLock
  private final Object tokenLock = new Object();
  private volatile boolean tokenCheck; // set under tokenLock
  private final List<String> issued = new ArrayList<>(); // guarded by tokenLock
  private final Queue<GatewayResponse> scripted = new ConcurrentLinkedQueue<>();
  private volatile Fault fault = Fault.none();
  /** Trusted issuers of bearer JWTs and the audiences each may carry, as Pomerium's {@code identity_providers}. */
  private final Map<JwtIssuer, List<String>> jwtIssuers = new ConcurrentHashMap<>();
  private final Queue<String> bearerRejections = new ConcurrentLinkedQueue<>();

  /** Starts with {@code tokens} accepted (none: no token check) and {@code routes}. */
  GatewayPolicy(Collection<String> tokens, Map<String, InetSocketAddress> routes) {
    this.tokens.addAll(tokens);
    this.tokenCheck = !tokens.isEmpty();
    routes.forEach(this::route);
  }

  void route(String authority, InetSocketAddress upstream) {
    routes.put(
        routeKey(Objects.requireNonNull(authority, "authority")),
        Objects.requireNonNull(upstream, "upstream"));
  }

  /** The upstream routed for a CONNECT target, or null. */
  InetSocketAddress upstream(String target) {
    return routes.get(routeKey(target));
  }

  void requireToken(String token) {
    Objects.requireNonNull(token, "token");
    synchronized (tokenLock) {
      tokens.add(token);
      tokenCheck = true;
    }
  }

  /** Accepts {@code Authorization: Bearer <jwt>} that {@code issuer} signed for one of {@code audiences}. */
  void trustJwtIssuer(JwtIssuer issuer, List<String> audiences) {
    synchronized (tokenLock) {
      jwtIssuers.put(Objects.requireNonNull(issuer, "issuer"), List.copyOf(audiences));
      tokenCheck = true;
    }
  }

  /** Why each refused bearer JWT was refused, in Pomerium's words, in order. */
  List<String> bearerRejections() {
    return List.copyOf(bearerRejections);
  }

  void revokeToken(String token) {
    Objects.requireNonNull(token, "token");
    synchronized (tokenLock) {
      tokens.remove(token);
    }
  }

  void revokeAllTokens() {
    synchronized (tokenLock) {
      tokens.clear();
      tokenCheck = true;
    }
  }

  List<String> issuedTokens() {
    synchronized (tokenLock) {
      return List.copyOf(issued);
    }
  }

  int signInCount() {
    synchronized (tokenLock) {
      return issued.size();
    }
  }

  /** Mints a token for a completed sign-in and accepts it from now on. */
  String mintToken() {
    synchronized (tokenLock) {
      String token = "jwt-" + (issued.size() + 1) + "-" + randomUrlSafe(16);
      issued.add(token);
      tokens.add(token);
      tokenCheck = true;
      return token;
    }
  }

  void enqueue(GatewayResponse response) {
    scripted.add(Objects.requireNonNull(response, "response"));
  }

  Fault fault() {
    return fault;
  }

  void setFault(Fault fault) {
    this.fault = Objects.requireNonNull(fault, "fault");
  }

  /** The next scripted answer if a test queued one, else what Pomerium answers {@code request}. */
  GatewayResponse answer(RecordedConnect request) {
    GatewayResponse script = scripted.poll();
    return script != null ? script : defaultResponse(request);
  }

  private GatewayResponse defaultResponse(RecordedConnect request) {
    if (!"CONNECT".equals(request.method())) {
      return GatewayResponse.status(405).header("Allow", "CONNECT").header("Content-Length", "0");
    }
    if (tokenCheck) {
      String authorization = request.authorization();
      if (authorization == null) {
        return GatewayResponse.redirectToSignIn(signInUrl(request.target()));
      }
      if (authorization.startsWith("Bearer ") && !jwtIssuers.isEmpty()) {
        String why = bearerRejection(authorization.substring("Bearer ".length()));
        if (why != null) {
          bearerRejections.add(why);
          // As Pomerium on a bearer_token_format: jwt route: a token it cannot verify is a 403, not a sign-in.
          return GatewayResponse.status(403).header("Content-Type", "text/plain").body(why + "\n");
        }
      } else if (!authorization.startsWith("Pomerium ")
          || !tokens.contains(authorization.substring("Pomerium ".length()))) {
        return GatewayResponse.unauthorized();
      }
    }
    if (upstream(request.target()) == null) {
      return GatewayResponse.notFound();
    }
    return GatewayResponse.status(200);
  }

  /** Null when a trusted issuer verifies {@code jwt}; else the reason, preferring the issuer the token names. */
  private String bearerRejection(String jwt) {
    String reason = "no identity provider matches the token's iss claim";
    for (Map.Entry<JwtIssuer, List<String>> trusted : jwtIssuers.entrySet()) {
      String why = trusted.getKey().rejection(jwt, trusted.getValue());
      if (why == null) {
        return null;
      }
      if (!why.equals(reason) && !why.equals("token signature is invalid")) {
        reason = why;
      }
    }
    return reason;
  }

  /** {@code length} random characters from the URL-safe base64 alphabet. */
  static String randomUrlSafe(int length) {
    byte[] bytes = new byte[(length * 3 + 3) / 4];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).substring(0, length);
  }

  private static String routeKey(String authority) {
    return authority.toLowerCase(Locale.ROOT);
  }

  private static String signInUrl(String target) {
    return "https://authenticate.example.com/.pomerium/sign_in?pomerium_redirect_uri="
        + URLEncoder.encode("https://" + target, StandardCharsets.UTF_8);
  }
}
