package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.TokenRequest;
import dev.jgitpomerium.transport.internal.HintedIOException;
import dev.jgitpomerium.transport.internal.Lazy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An identity token that a CI job or a pod is given by its platform, sent as {@code Authorization: Bearer} for a
 * Pomerium route with {@code bearer_token_format: jwt}: GitHub Actions' OIDC token, a token the CI put in an
 * environment variable (GitLab's {@code id_tokens}, CircleCI, Buildkite), or a projected Kubernetes service-account
 * token. These live minutes, so each is fetched or read again for every connection, never cached or written anywhere.
 *
 * <p>A plain value, as the Builder keeps it; {@link #source} makes the token source when the factory is built, with
 * the factory's HTTP client and environment.
 */
public sealed interface WorkloadIdentity {
  Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** The token source, as the chain names it in events and messages. */
  TokenChain.Named source(Lazy<OkHttpClient> http, UnaryOperator<String> environment);

  /**
   * GitHub Actions' OIDC token, requested from {@code ACTIONS_ID_TOKEN_REQUEST_URL} for {@code audience}, or for the
   * Pomerium URL being connected to ({@code https://pomerium.corp.example.com}) when {@code audience} is null.
   */
  record GitHubActions(String audience) implements WorkloadIdentity {
    public GitHubActions {
      if (audience != null) {
        checkAudience(audience);
      }
    }

    @Override
    public TokenChain.Named source(Lazy<OkHttpClient> http, UnaryOperator<String> environment) {
      return new TokenChain.Named("GitHub Actions OIDC token", new GitHubActionsTokenSource(audience, http,
          environment));
    }
  }

  /** A token the CI put in the environment variable {@code name}, read again for every connection. */
  record EnvironmentVariable(String name) implements WorkloadIdentity {
    public EnvironmentVariable {
      Objects.requireNonNull(name, "environment variable name == null");
      if (!VARIABLE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not an environment variable name: '" + name + "'");
      }
    }

    @Override
    public TokenChain.Named source(Lazy<OkHttpClient> http, UnaryOperator<String> environment) {
      String what = "the identity token in the environment variable " + name;
      return new TokenChain.Named("identity token from " + name, request -> {
        String value = environment.apply(name);
        if (value == null || value.isBlank()) {
          throw new HintedIOException("the environment variable " + name + " is not set or empty.", "Have the CI "
              + "job put its OIDC token there (GitLab: id_tokens: " + name + ": aud: ...; CircleCI: "
              + "CIRCLE_OIDC_TOKEN_V2), or name the variable that holds it.");
        }
        PomeriumToken token;
        try {
          token = PomeriumToken.bearer(value);
        } catch (IllegalArgumentException e) {
          throw new IOException(what + " is not a single token: " + e.getMessage(), e);
        }
        return checked(request, token, what, "The job must provide a fresh token in " + name
            + " (CI identity tokens live minutes).");
      });
    }
  }

  /** A projected Kubernetes service-account token (or a file a platform keeps renewing), read for each connection. */
  record KubernetesTokenFile(Path file) implements WorkloadIdentity {
    public KubernetesTokenFile {
      Objects.requireNonNull(file, "Kubernetes service-account token file == null");
    }

    @Override
    public TokenChain.Named source(Lazy<OkHttpClient> http, UnaryOperator<String> environment) {
      String what = "the Kubernetes service-account token in " + file;
      return new TokenChain.Named("Kubernetes service-account token file", request -> {
        PomeriumToken token;
        try {
          token = TokenFiles.read(file, PomeriumToken.Scheme.BEARER);
        } catch (IOException e) {
          // A file that is there but holds something else needs another fix than a volume that is missing.
          throw new HintedIOException(e.getMessage() + ".", e.getCause() instanceof IllegalArgumentException
              ? "A projected serviceAccountToken file holds one JWT and nothing else: check what writes this file."
              : "Mount a projected serviceAccountToken volume there (with the audience Pomerium expects), or give the "
                  + "path where it is mounted.");
        }
        return checked(request, token, what, "The kubelet renews a projected token well before it expires: check "
            + "that the volume is a projected serviceAccountToken and that the kubelet is running.");
      });
    }
  }

  /** What {@code identity} is, for a message: "GitHub Actions OIDC token", "Kubernetes service-account token in F". */
  static String describe(WorkloadIdentity identity) {
    if (identity instanceof GitHubActions github) {
      return "GitHub Actions OIDC token" + (github.audience() == null ? "" : " for audience " + github.audience());
    } else if (identity instanceof EnvironmentVariable variable) {
      return "identity token in the environment variable " + variable.name();
    } else {
      return "Kubernetes service-account token in " + ((KubernetesTokenFile) identity).file();
    }
  }

  /** An audience as GitHub takes it: not blank, visible ASCII. */
  static void checkAudience(String audience) {
    if (audience.isBlank()) {
      throw new IllegalArgumentException("the GitHub Actions OIDC audience is empty: give the audience the Pomerium "
          + "route expects (or none, for the Pomerium URL)");
    }
    for (int i = 0; i < audience.length(); i++) {
      char c = audience.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException("the GitHub Actions OIDC audience contains a character that is not "
            + "visible ASCII at index " + i);
      }
    }
  }

  /**
   * {@code token} for {@code request}: refused when its {@code exp} has passed ({@link Jwts#expiredAt}: never sent,
   * as Pomerium would refuse it); a token that is not a JWT is sent (a route with {@code bearer_token_format:
   * idp_access_token} may take an opaque token; Pomerium's refusal then says so); after Pomerium turned away
   * the same token, a failure that names the identity it claims (never the token) and what the route needs.
   */
  static PomeriumToken checked(TokenRequest request, PomeriumToken token, String what, String renewHint)
      throws IOException {
    Instant now = Instant.now();
    Instant expiry = Jwts.expiredAt(token.value(), now).orElse(null);
    if (expiry != null) {
      throw new HintedIOException(what + " expired at " + expiry + " (" + Duration.between(expiry, now).toSeconds()
          + " s ago), so it is not sent.", renewHint);
    }
    if (request.rejectedToken().filter(token::equals).isPresent()) {
      throw rejected(request, what, token);
    }
    Log.LOG.debug("{} for Pomerium at {}: {}", what, request.endpoint(), Jwts.describe(token));
    return token;
  }

  /** Pomerium asked for sign-in although {@code token} was sent: the route does not take it as an identity. */
  static HintedIOException rejected(TokenRequest request, String what, PomeriumToken token) {
    String claims = Jwts.describe(token);
    return new HintedIOException("Pomerium did not accept " + what + (claims == null ? " (not a JWT)" : " ("
        + claims + ")") + ".", "The route must verify it: bearer_token_format: jwt on the route, and an "
        + "identity_providers entry in Pomerium's configuration with this issuer and this audience among its "
        + "audiences (Pomerium's log says why it refused).");
  }

  /** The logger of this interface's sources. */
  final class Log {
    static final Logger LOG = LoggerFactory.getLogger(WorkloadIdentity.class);

    private Log() {}
  }
}
