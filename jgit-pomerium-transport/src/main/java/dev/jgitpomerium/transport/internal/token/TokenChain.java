package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.TokenRequest;
import dev.jgitpomerium.transport.TokenSource;
import dev.jgitpomerium.transport.TokenStore;
import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.HintedIOException;
import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.signin.BrowserSignIn;
import dev.jgitpomerium.transport.internal.signin.SignInOptions;
import dev.jgitpomerium.transport.internal.signin.SignIns;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default token source: machine credentials first (service-account token or file, identity-provider bearer
 * token or a CI job's or pod's own identity token ({@link WorkloadIdentity}), token command), then the token cache,
 * then an interactive sign-in.
 *
 * <p>Machine credentials, when configured, are the whole answer: a rejected one is never replaced by a browser
 * sign-in (a CI job must fail, not wait). Without them, a cached token is tried first; when Pomerium rejects it, it is
 * discarded (only then), and the user signs in once, shared by every connection of this JVM and, through the store's
 * lock ({@link TokenStore#locked}), of other processes sharing the store.
 */
public final class TokenChain implements TokenSource {
  private static final Logger log = LoggerFactory.getLogger(TokenChain.class);

  /** A configured credential and the name it is reported under. */
  public record Named(String name, TokenSource source) {}

  private final List<Named> machine;
  private final TokenStore store;
  private final SignInOptions signIn;
  private final BrowserSignIn browser;
  private final PomeriumEventListener listener;

  public TokenChain(List<Named> machine, TokenStore store, SignInOptions signIn, Lazy<okhttp3.OkHttpClient> http,
      PomeriumEventListener listener) {
    this.machine = List.copyOf(machine);
    this.store = store;
    this.signIn = signIn;
    this.browser = new BrowserSignIn(signIn, http, listener);
    this.listener = listener;
  }

  /** A token (null: none) and where it came from, or where none was found. */
  public record Found(PomeriumToken token, String source) {}

  /** Set while the doctor connects: a sign-in must not start, whatever the configuration allows. */
  private static final ThreadLocal<Boolean> NO_SIGN_IN = new ThreadLocal<>();

  /** Something that may connect. */
  @FunctionalInterface
  public interface Connecting<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code action} (on this thread: JGit opens tunnels on its connecting thread) so that a connection it makes
   * that Pomerium turns away fails instead of signing in.
   */
  public static <T> T noSignInDuring(Connecting<T> action) throws IOException {
    Boolean outer = NO_SIGN_IN.get();
    NO_SIGN_IN.set(Boolean.TRUE);
    try {
      return action.run();
    } finally {
      NO_SIGN_IN.set(outer);
    }
  }

  @Override
  public PomeriumToken token(TokenRequest request) throws IOException {
    PomeriumEndpoint endpoint = request.endpoint();
    if (!request.isSignInRequired() || !machine.isEmpty()) {
      Found found = withoutSignIn(request);
      return found.token() == null ? null : obtained(endpoint, found.token(), found.source());
    }
    if (NO_SIGN_IN.get() != null) {
      // Before the cache is touched: the doctor changes nothing.
      throw new IOException("the doctor does not sign in (and keeps the cached token)");
    }
    PomeriumToken rejected = request.rejectedToken().orElse(null);
    store.discard(endpoint, rejected);
    // Another connection or process may have signed in since this one read the cache.
    PomeriumToken fresher = store.load(endpoint);
    if (fresher != null && !fresher.equals(rejected)) {
      return obtained(endpoint, fresher, "token cache");
    }
    String notInteractive = signIn.nonInteractiveReason();
    if (notInteractive != null) {
      throw notInteractive(notInteractive, request);
    }
    PomeriumToken token = SignIns.shared(key(endpoint), signIn.timeout(), () -> signInOnce(request, rejected));
    return obtained(endpoint, token, "sign-in");
  }

  /**
   * The token {@code request} gets without a sign-in: from the first machine credential that has one, else (with no
   * machine credentials, and for a first attempt) from the token cache. Reports nothing to the listener; the doctor
   * asks this, and never signs in.
   */
  public Found withoutSignIn(TokenRequest request) throws IOException {
    for (Named credential : machine) {
      PomeriumToken token = credential.source().token(request);
      if (token != null) {
        return new Found(token, credential.name());
      }
    }
    if (!machine.isEmpty()) {
      return new Found(null, machine.stream().map(Named::name).collect(java.util.stream.Collectors.joining(", ")));
    }
    if (request.isSignInRequired()) {
      return new Found(null, "token cache");
    }
    return new Found(store.load(request.endpoint()), "token cache");
  }

  /**
   * The leader's sign-in, under the store's lock: whoever else shares the store (another process, for a file cache)
   * may have signed in while this one waited for it.
   */
  private PomeriumToken signInOnce(TokenRequest request, PomeriumToken rejected) throws IOException {
    PomeriumEndpoint endpoint = request.endpoint();
    return store.locked(endpoint, signIn.timeout(), () -> {
      PomeriumToken meanwhile = store.load(endpoint);
      if (meanwhile != null && !meanwhile.equals(rejected)) {
        log.info("another sign-in to Pomerium at {} stored a token in {} meanwhile; using it", endpoint,
            store.location());
        return meanwhile;
      }
      return signInAndStore(request);
    });
  }

  private PomeriumToken signInAndStore(TokenRequest request) throws IOException {
    PomeriumEndpoint endpoint = request.endpoint();
    PomeriumToken token;
    try {
      token = browser.signIn(request.route());
    } catch (IOException e) {
      Events.safely(() -> listener.signInFailed(endpoint, e));
      throw e;
    }
    try {
      store.store(endpoint, token);
    } catch (IOException e) {
      // The sign-in worked; only the next connection will have to ask again.
      log.warn("could not cache the Pomerium token for {}: {}", endpoint, e.toString());
    }
    return token;
  }

  private PomeriumToken obtained(PomeriumEndpoint endpoint, PomeriumToken token, String source) {
    Events.safely(() -> listener.tokenObtained(endpoint, source));
    return token;
  }

  /** Sign-ins in this JVM for the same endpoint and an equal store are one. */
  private List<Object> key(PomeriumEndpoint endpoint) {
    return List.of(store, endpoint);
  }

  /** An interactive sign-in regardless of the cache (an explicit "login"), shared and locked like any other. */
  public PomeriumToken signInNow(dev.jgitpomerium.transport.Route route) throws IOException {
    TokenRequest request = TokenRequest.signInRequired(route, null, 0);
    String notInteractive = signIn.nonInteractiveReason();
    if (notInteractive != null) {
      throw notInteractive(notInteractive, request);
    }
    PomeriumEndpoint endpoint = route.endpoint();
    PomeriumToken token = SignIns.shared(key(endpoint), signIn.timeout(),
        () -> store.locked(endpoint, signIn.timeout(), () -> signInAndStore(request)));
    return obtained(endpoint, token, "sign-in");
  }

  /** Ends sign-ins waiting for the user. */
  public void cancelSignIns() {
    browser.cancelAll();
  }

  private HintedIOException notInteractive(String why, TokenRequest request) {
    return new HintedIOException(why + ", so no browser sign-in is started.",
        howToProvideAToken(request) + signIn.signInHint());
  }

  static String howToProvideAToken(TokenRequest request) {
    return "Provide a token: a Pomerium service-account token in a file (JGIT_POMERIUM_TOKEN_FILE=/path, or "
        + "tokenFile(...)), an identity-provider token for a route with bearer_token_format "
        + "(JGIT_POMERIUM_BEARER_TOKEN_FILE; in CI the job's own identity token: JGIT_POMERIUM_GITHUB_OIDC=true on "
        + "GitHub Actions, JGIT_POMERIUM_BEARER_TOKEN_ENV=VARIABLE, JGIT_POMERIUM_KUBERNETES_TOKEN_FILE=/path), or a "
        + "command that prints a token (JGIT_POMERIUM_TOKEN_COMMAND, e.g. "
        + "'pomerium-cli auth https://" + request.endpoint().authority() + "'); or sign in once "
        + "interactively on this machine (pomerium-cli, or JGIT_POMERIUM_INTERACTIVE=true) so the cached token is "
        + "used.";
  }
}
