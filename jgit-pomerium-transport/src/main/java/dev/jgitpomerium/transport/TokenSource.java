package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.token.TokenFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Supplies the token sent to Pomerium on each {@code CONNECT}.
 *
 * <p>Each tunnel asks once with {@link TokenRequest#initial}. If Pomerium answers that sign-in is required (401 or a
 * redirect), the tunnel asks exactly once more with {@link TokenRequest#signInRequired}, retries once with the new
 * token, and gives up if that is rejected too. A source that can sign the user in (a browser login, an external
 * helper) does so on that second call; a static source returns {@code null} there, since it has nothing newer.
 *
 * <p>Implementations are called from the thread that opens the connection, possibly from many threads at once, and
 * may block (a sign-in can take minutes). They must never log the token. Example: a token taken from the
 * environment of a CI job:
 *
 * <pre>{@code
 * TokenSource ci = request -> {
 *   String jwt = System.getenv("POMERIUM_SERVICE_ACCOUNT_JWT");
 *   return jwt == null || request.isSignInRequired() ? null : PomeriumToken.pomerium(jwt);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface TokenSource {

  /**
   * Returns the token to present for {@code request}, or {@code null} to send none (Pomerium then asks for sign-in,
   * which makes the tunnel ask this source again with {@link TokenRequest#isSignInRequired()} set).
   *
   * @throws IOException if the token cannot be obtained; the message is shown to the user and must not contain a
   *     token
   */
  PomeriumToken token(TokenRequest request) throws IOException;

  /** A source that never has a token: Pomerium routes that allow anonymous access (or tests). */
  static TokenSource none() {
    return request -> null;
  }

  /** A fixed Pomerium JWT, e.g. a service-account token. */
  static TokenSource of(String jwt) {
    PomeriumToken token = PomeriumToken.pomerium(jwt);
    return request -> request.isSignInRequired() ? null : token;
  }

  /**
   * A Pomerium JWT read from {@code file} at every connect, white space trimmed, so that a token rotated on disk
   * (a mounted Kubernetes secret, a CI credential file) is picked up without a restart. After a rejection the file
   * is read once more, and the new content is used if it changed.
   */
  static TokenSource fromFile(Path file) {
    return TokenFiles.source(file, PomeriumToken.Scheme.POMERIUM);
  }
}
