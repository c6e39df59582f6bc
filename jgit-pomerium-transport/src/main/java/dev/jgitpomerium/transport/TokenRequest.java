package dev.jgitpomerium.transport;

import java.util.Objects;
import java.util.Optional;

/** What a {@link TokenSource} is asked for: a token for one tunnel, and whether the last one was rejected. */
public final class TokenRequest {
  private final Route route;
  private final PomeriumToken rejectedToken;
  private final int rejectionStatus;

  private TokenRequest(Route route, PomeriumToken rejectedToken, int rejectionStatus) {
    this.route = Objects.requireNonNull(route, "route == null");
    this.rejectedToken = rejectedToken;
    this.rejectionStatus = rejectionStatus;
  }

  /** The first request for a tunnel: return whatever token is at hand (a cached one is fine). */
  public static TokenRequest initial(Route route) {
    return new TokenRequest(route, null, 0);
  }

  /**
   * The request after Pomerium answered "sign-in required" ({@code status} 401 or a redirect) to {@code rejected}
   * ({@code null} when no token was sent): return a fresh token, or {@code null} when none can be had.
   */
  public static TokenRequest signInRequired(Route route, PomeriumToken rejected, int status) {
    return new TokenRequest(route, rejected, status);
  }

  /** The tunnel being opened; its endpoint is what the token must be valid for. */
  public Route route() {
    return route;
  }

  /** The Pomerium endpoint of {@link #route()}: the token must be valid for it. */
  public PomeriumEndpoint endpoint() {
    return route.endpoint();
  }

  /** Whether Pomerium already rejected the previous attempt and a fresh token (a sign-in) is needed. */
  public boolean isSignInRequired() {
    return rejectionStatus != 0;
  }

  /** The token Pomerium rejected, if one was sent. A source should not return the same token again. */
  public Optional<PomeriumToken> rejectedToken() {
    return Optional.ofNullable(rejectedToken);
  }

  /** The HTTP status of the rejection (401, 302, ...), or 0 for the initial request. */
  public int rejectionStatus() {
    return rejectionStatus;
  }

  @Override
  public String toString() {
    return isSignInRequired()
        ? "TokenRequest{" + route + ", sign-in required after HTTP " + rejectionStatus + "}"
        : "TokenRequest{" + route + "}";
  }
}
