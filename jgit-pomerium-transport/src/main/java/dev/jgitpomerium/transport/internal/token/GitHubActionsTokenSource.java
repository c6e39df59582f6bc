package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.TokenRequest;
import dev.jgitpomerium.transport.TokenSource;
import dev.jgitpomerium.transport.internal.HintedIOException;
import dev.jgitpomerium.transport.internal.Json;
import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.config.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * GitHub Actions' OIDC token, requested for every connection as {@code actions/core}'s {@code getIDToken} does: {@code
 * GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=<audience>} with {@code Authorization: Bearer
 * $ACTIONS_ID_TOKEN_REQUEST_TOKEN}; the answer is {@code {"value": "<jwt>", ...}}. The runner sets both variables
 * only for a job with {@code permissions: id-token: write}. The request goes through the factory's HTTP client (its
 * proxies, its 10 s limit), with certificate verification even when it is disabled for Pomerium.
 */
final class GitHubActionsTokenSource implements TokenSource {
  static final String URL_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_URL";
  static final String TOKEN_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
  private static final int MAX_ANSWER_BYTES = 64 * 1024;
  private static final String WHAT = "the GitHub Actions OIDC token";

  private final String audience;
  private final Lazy<OkHttpClient> http;
  private final UnaryOperator<String> environment;

  GitHubActionsTokenSource(String audience, Lazy<OkHttpClient> http, UnaryOperator<String> environment) {
    this.audience = audience;
    this.http = http;
    this.environment = environment;
  }

  @Override
  public PomeriumToken token(TokenRequest request) throws IOException {
    PomeriumToken rejected = request.rejectedToken().orElse(null);
    if (rejected != null) {
      // A new token would claim the same identity for the same audience: it would be turned away too.
      throw WorkloadIdentity.rejected(request, WHAT, rejected);
    }
    String address = environment.apply(URL_VARIABLE);
    String requestToken = environment.apply(TOKEN_VARIABLE);
    String missing = blank(address) ? URL_VARIABLE : blank(requestToken) ? TOKEN_VARIABLE : null;
    if (missing != null) {
      throw new HintedIOException("GitHub Actions OIDC: " + missing + " is not set, so no identity token can be "
          + "requested.", "Add `permissions: id-token: write` to the workflow or the job (GitHub sets the variable "
          + "only then, and never for pull requests from forks), and run this inside a GitHub Actions job.");
    }
    HttpUrl base = HttpUrl.parse(address.strip());
    if (base == null || !base.isHttps()) {
      throw new IOException("GitHub Actions OIDC: " + URL_VARIABLE + " is not an https URL, so the request token "
          + "is not sent to it");
    }
    String aud = audience != null ? audience : request.endpoint().url();
    HttpUrl url = base.newBuilder().addQueryParameter("audience", aud).build();
    try {
      PomeriumToken.bearer(requestToken);
    } catch (IllegalArgumentException e) {
      throw new IOException("GitHub Actions OIDC: " + TOKEN_VARIABLE + " is not a single token: " + e.getMessage());
    }
    Request call = new Request.Builder().url(url).get()
        .header("Authorization", "Bearer " + requestToken.strip())
        .header("Accept", "application/json")
        .header("User-Agent", Version.userAgent())
        .build();
    String where = "GitHub's OIDC token endpoint at " + base.host();
    String answer;
    try (Response response = http.get().newCall(call).execute()) {
      if (response.code() != 200) {
        throw failed(where, response.code(), aud);
      }
      answer = readBounded(response.body(), where);
    } catch (HintedIOException e) {
      throw e;
    } catch (IOException e) {
      throw requestFailed(where, base.host(), e);
    }
    String jwt;
    try {
      Object value = Json.parseObject(answer).get("value");
      if (!(value instanceof String s) || s.isBlank()) {
        throw new IllegalArgumentException("its JSON has no \"value\" string");
      }
      jwt = s;
    } catch (IllegalArgumentException e) {
      throw new IOException(where + " answered without a token: " + e.getMessage(), e);
    }
    PomeriumToken token;
    try {
      token = PomeriumToken.bearer(jwt);
    } catch (IllegalArgumentException e) {
      throw new IOException(where + " answered with a \"value\" that is not a single token: " + e.getMessage(), e);
    }
    return WorkloadIdentity.checked(request, token, WHAT + " for audience " + aud, "Check the runner's clock.");
  }

  /**
   * The request's failure in one line: OkHttp's hostname-mismatch text goes on over lines (the certificate's pins,
   * DN and names), so only its first line is kept, with what to check.
   */
  private static IOException requestFailed(String where, String host, IOException e) {
    String first = e.toString().lines().findFirst().orElse("").strip();
    if (first.endsWith(":")) {
      first = first.substring(0, first.length() - 1);
    }
    String what = "could not request " + WHAT + " from " + where + ": " + first;
    if (e instanceof javax.net.ssl.SSLPeerUnverifiedException) {
      return new HintedIOException(what + ".", "The certificate it presented is not for " + host + ": check "
          + URL_VARIABLE + ", and whether a proxy on the way answers in its place.");
    }
    if (e instanceof javax.net.ssl.SSLException) {
      return new HintedIOException(what + ".", "If a proxy on the way inspects TLS, add its CA certificate "
          + "(--alternate-ca-path; in the library addCaCertificates or jgit.pomerium.caFile).");
    }
    return new IOException(what, e);
  }

  private static HintedIOException failed(String where, int status, String audience) {
    String hint;
    if (status == 401 || status == 403) {
      hint = "GitHub refused " + TOKEN_VARIABLE + ": it is valid only while its job runs, and the job needs "
          + "`permissions: id-token: write`.";
    } else if (status >= 500) {
      hint = "GitHub's token service failed; run the job again later.";
    } else {
      hint = "Check " + URL_VARIABLE + " and the audience (" + audience + ").";
    }
    return new HintedIOException(where + " answered HTTP " + status + " to the request for " + WHAT + ".", hint);
  }

  private static String readBounded(ResponseBody body, String where) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = body.byteStream()) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) != -1) {
        out.write(buffer, 0, n);
        if (out.size() > MAX_ANSWER_BYTES) {
          throw new IOException(where + " answered with more than " + MAX_ANSWER_BYTES + " bytes");
        }
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  @Override
  public String toString() {
    return "GitHub Actions OIDC token" + (audience == null ? "" : " for audience " + audience);
  }
}
