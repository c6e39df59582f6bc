package dev.jgitpomerium.transport.internal.signin;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.internal.Events;
import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.config.Version;
import dev.jgitpomerium.transport.internal.proxy.ProxyException;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pomerium's programmatic login (pomerium-cli {@code authclient}): a loopback callback, the login API for a sign-in
 * URL, the browser (or, headless, the user pasting back where the browser ended), and the token from the callback.
 */
public final class BrowserSignIn {
  private static final Logger log = LoggerFactory.getLogger(BrowserSignIn.class);
  private static final Pattern PASTED_JWT = Pattern.compile("[?&]pomerium_jwt=([^&#\\s]+)");
  private static final int MAX_SIGN_IN_URL_BYTES = 16 * 1024;

  private final SignInOptions options;
  private final Lazy<OkHttpClient> http;
  private final PomeriumEventListener listener;
  private final Set<CompletableFuture<?>> active = ConcurrentHashMap.newKeySet();
  private volatile boolean cancelled;

  public BrowserSignIn(SignInOptions options, Lazy<OkHttpClient> http, PomeriumEventListener listener) {
    this.options = options;
    this.http = http;
    this.listener = listener;
  }

  /** Signs the user in at {@code route}'s endpoint; blocks up to the sign-in timeout. */
  public PomeriumToken signIn(Route route) throws IOException {
    PomeriumEndpoint endpoint = route.endpoint();
    SignInConsole console = options.console();
    CompletableFuture<PomeriumToken> pasted = null;
    CompletableFuture<PomeriumToken> registered = null;
    try (CallbackServer callback = CallbackServer.start()) {
      // Registered before anything slow, so that closing the factory at any moment ends this sign-in.
      registered = callback.token();
      active.add(registered);
      if (cancelled) {
        callback.token().cancel(true);
      }
      URI signInUrl = signInUrl(endpoint, callback.uri());
      Events.safely(() -> listener.signInStarted(endpoint, signInUrl));
      // An explicit login has no destination beyond Pomerium itself.
      boolean toPomeriumItself = route.destination().equals(endpoint.authority());
      console.println("Sign in to Pomerium at " + endpoint.url()
          + (toPomeriumItself ? "" : " to reach " + route.destination()) + ":");
      console.println("  " + signInUrl);
      boolean headless = !options.canShowBrowser();
      if (headless) {
        String why = options.useBrowser() ? "no display for the desktop browser" : "no browser requested";
        Events.safely(() -> listener.browserNotOpened(endpoint, why));
      } else {
        try {
          options.launcher().open(signInUrl);
          Events.safely(() -> listener.browserOpened(endpoint));
          console.println("A browser window has been opened at that address; finish signing in there.");
        } catch (IOException | RuntimeException e) {
          log.debug("could not open a browser: {}", e.toString());
          Events.safely(() -> listener.browserNotOpened(endpoint, String.valueOf(e.getMessage())));
          console.println("Could not open a browser (" + e.getMessage() + "); open the address above yourself.");
          headless = true;
        }
      }
      CompletableFuture<PomeriumToken> result = callback.token();
      if (headless && console.hasInput()) {
        console.println("If that browser is on another machine, it ends on a page at " + callback.uri().getScheme()
            + "://" + callback.uri().getAuthority() + "/... that cannot load: paste that page's full address (or the"
            + " token) here and press Enter.");
        pasted = readPasted(console);
        result = callback.token().applyToEither(pasted, token -> token);
      }
      PomeriumToken token = await(result, endpoint);
      console.println("Signed in to Pomerium at " + endpoint.url() + ".");
      return token;
    } finally {
      if (pasted != null) {
        pasted.cancel(true);
      }
      if (registered != null) {
        active.remove(registered);
      }
    }
  }

  private PomeriumToken await(CompletableFuture<PomeriumToken> result, PomeriumEndpoint endpoint) throws IOException {
    Duration timeout = options.timeout();
    try {
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("no sign-in was completed within " + timeout.toMinutes() + " min " + timeout.toSecondsPart()
          + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("the sign-in to Pomerium at " + endpoint + " was interrupted");
    } catch (CancellationException e) {
      throw new IOException("the sign-in was cancelled", e);
    } catch (ExecutionException e) {
      throw new IOException("the sign-in failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Ends every sign-in waiting for the user, and any started later: the factory is closing. */
  public void cancelAll() {
    cancelled = true;
    active.forEach(f -> f.cancel(true));
  }

  /**
   * {@code GET <endpoint>/.pomerium/api/v1/login?pomerium_redirect_uri=<callback>}: Pomerium answers with the
   * identity provider's sign-in URL, signed for this callback.
   */
  private URI signInUrl(PomeriumEndpoint endpoint, URI callback) throws IOException {
    // Default port left out, as pomerium-cli does: Pomerium signs the URL with the host as the browser sees it.
    HttpUrl url = HttpUrl.get(endpoint.url()).newBuilder()
        .addPathSegments(".pomerium/api/v1/login")
        .addQueryParameter("pomerium_redirect_uri", callback.toString())
        .build();
    Request request = new Request.Builder().url(url)
        .header("User-Agent", Version.userAgent())
        .header("Accept", "text/plain")
        .build();
    String body;
    try (Response response = http.get().newCall(request).execute()) {
      if (!response.isSuccessful()) {
        String detail = response.peekBody(200).string().strip();
        throw new IOException("Pomerium at " + endpoint + " refused the sign-in request (HTTP " + response.code()
            + (detail.isEmpty() ? "" : ": " + HeadReader.printable(detail)) + ")");
      }
      body = response.peekBody(MAX_SIGN_IN_URL_BYTES).string().strip();
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("Pomerium at")) {
        throw e;
      }
      ProxyException proxy = ProxyException.in(e);
      if (proxy != null) {
        throw proxy; // reported as the tunnel reports it, a PomeriumProxyException
      }
      throw new IOException("could not ask Pomerium at " + endpoint + " for a sign-in page: " + e, e);
    }
    URI signIn;
    try {
      signIn = new URI(body);
    } catch (java.net.URISyntaxException e) {
      signIn = null;
    }
    if (signIn == null || signIn.getScheme() == null
        || !(signIn.getScheme().equals("https") || signIn.getScheme().equals("http")) || signIn.getHost() == null) {
      throw new IOException("Pomerium at " + endpoint + " answered the sign-in request with something that is not a "
          + "sign-in address: " + HeadReader.printable(body));
    }
    return signIn;
  }

  /** Reads lines until one holds a token, on a daemon thread (a blocked console read cannot be interrupted). */
  private static CompletableFuture<PomeriumToken> readPasted(SignInConsole console) {
    CompletableFuture<PomeriumToken> pasted = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        String line;
        while (!pasted.isDone() && (line = console.readLine()) != null) {
          PomeriumToken token = parsePasted(line);
          if (token != null) {
            pasted.complete(token);
          } else if (!line.isBlank()) {
            console.println("That is neither the address of the page nor a token; paste the whole address:");
          }
        }
      } catch (IOException e) {
        log.debug("reading the console failed: {}", e.toString());
      }
    }, "jgit-pomerium-sign-in-console");
    reader.setDaemon(true);
    reader.start();
    return pasted;
  }

  /** A token from a pasted callback address ({@code ...?pomerium_jwt=...}) or a bare token; else {@code null}. */
  static PomeriumToken parsePasted(String line) {
    String text = line.strip();
    Matcher m = PASTED_JWT.matcher(text);
    String value;
    try {
      if (m.find()) {
        value = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
      } else if (text.contains("://")) {
        return null; // an address, but not the one with the token
      } else {
        value = text;
      }
      // Anything this short is a typo, not a token.
      return value.length() < 16 ? null : PomeriumToken.pomerium(value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
