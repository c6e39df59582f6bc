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
      if (!authorization.startsWith("Pomerium ")
          || !tokens.contains(authorization.substring("Pomerium ".length()))) {
        return GatewayResponse.unauthorized();
      }
    }
    if (upstream(request.target()) == null) {
      return GatewayResponse.notFound();
    }
    return GatewayResponse.status(200);
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
