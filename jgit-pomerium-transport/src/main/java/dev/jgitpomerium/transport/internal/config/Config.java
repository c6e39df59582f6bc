package dev.jgitpomerium.transport.internal.config;

import dev.jgitpomerium.transport.BrowserLauncher;
import dev.jgitpomerium.transport.PomeriumEventListener;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.TokenSource;
import dev.jgitpomerium.transport.TokenStore;
import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.proxy.ForwardProxies;
import dev.jgitpomerium.transport.internal.reuse.ReusePolicy;
import dev.jgitpomerium.transport.internal.signin.SignInConsole;
import dev.jgitpomerium.transport.internal.signin.SignInOptions;
import dev.jgitpomerium.transport.internal.token.CommandTokenSource;
import dev.jgitpomerium.transport.internal.token.TokenChain;
import dev.jgitpomerium.transport.internal.token.WorkloadIdentity;
import dev.jgitpomerium.transport.internal.tunnel.CertificateFilter;
import dev.jgitpomerium.transport.internal.tunnel.ClientIdentity;
import dev.jgitpomerium.transport.internal.tunnel.ClientKeyStores;
import dev.jgitpomerium.transport.internal.tunnel.HttpClients;
import dev.jgitpomerium.transport.internal.tunnel.TlsSetup;
import java.io.File;
import java.net.ProxySelector;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;

/**
 * The public Builder's state, frozen by {@code build()} (as JGit's {@code SshdSessionFactoryBuilder} keeps a private
 * {@code State}): plain values, each already checked by the Builder's setter. {@link #compile} turns it into the
 * {@link FactoryRuntime} a factory works with; {@code newBuilder()} starts a Builder from it again.
 *
 * <p>Null means "not set" where the default is decided later: {@code pomeriumUrl}, the token sources, {@code
 * tokenStore} (pomerium-cli's cache), {@code interactive} (the run decides), the client certificate, the keepalive
 * values (ssh config or the defaults decide), the directories and the identity and known_hosts files (JGit's).
 *
 * @param routeSpecs routes as written ({@code host:port}, {@code tcp+https://...}), parsed with {@code pomeriumUrl}
 * @param routes routes given as {@link Route} objects, taken as they are
 * @param forwardProxy the explicit forward proxy URL, {@code direct}, or null to follow the JVM and the environment
 * @param forwardProxySource where {@code forwardProxy} was given, for messages
 * @param browserChosen whether a browser, a browser command or {@code noBrowser} was chosen (a ProxyCommand line's
 *     {@code --browser-cmd} then does not apply)
 * @param clientKeyStore a PKCS#12 file or the platform store, instead of the PEM {@code clientChain} and {@code
 *     clientKey}; null for none
 * @param clientCertIssuer with {@code clientCertSubject}, chooses among {@code clientKeyStore}'s certificates
 * @param workloadIdentity a CI or Kubernetes identity token, in the chain's place of {@code bearer} (the Builder keeps
 *     at most one of the two)
 * @param connectionReuse set in code or the environment, or null (ssh config and the default decide)
 */
public record Config(
    List<String> routeSpecs,
    List<Route> routes,
    String pomeriumUrl,
    TokenSource customTokenSource,
    TokenChain.Named serviceAccount,
    TokenChain.Named bearer,
    String tokenCommand,
    PomeriumToken.Scheme tokenCommandScheme,
    TokenStore tokenStore,
    BrowserLauncher browserLauncher,
    boolean useBrowser,
    boolean browserChosen,
    Boolean interactive,
    Duration signInTimeout,
    SignInConsole console,
    UnaryOperator<String> environment,
    List<X509Certificate> extraCas,
    List<X509Certificate> clientChain,
    PrivateKey clientKey,
    boolean tlsVerificationDisabled,
    Duration connectTimeout,
    Duration responseTimeout,
    Duration serverAliveInterval,
    Integer serverAliveCountMax,
    PomeriumEventListener listener,
    File homeDirectory,
    File sshDirectory,
    List<Path> identityFiles,
    List<Path> knownHostsFiles,
    ClientKeyStores.Source clientKeyStore,
    CertificateFilter clientCertIssuer,
    CertificateFilter clientCertSubject,
    WorkloadIdentity workloadIdentity,
    String forwardProxy,
    String forwardProxySource,
    ReusePolicy connectionReuse) {

  public Config {
    routeSpecs = List.copyOf(routeSpecs);
    routes = List.copyOf(routes);
    extraCas = List.copyOf(extraCas);
    clientChain = clientChain == null ? null : List.copyOf(clientChain);
    identityFiles = identityFiles == null ? null : List.copyOf(identityFiles);
    knownHostsFiles = knownHostsFiles == null ? null : List.copyOf(knownHostsFiles);
  }

  /** Every route, the written ones parsed against {@link #pomeriumUrl} first. */
  public List<Route> allRoutes() {
    List<Route> all = new ArrayList<>();
    for (String spec : routeSpecs) {
      all.add(Route.parse(spec, pomeriumUrl));
    }
    all.addAll(routes);
    return all;
  }

  /**
   * What TLS presents when Pomerium asks for a client certificate: the PEM pair, or the key store's entry the filters
   * choose; null for none.
   *
   * @throws IllegalArgumentException if the key store has nothing to present, or filters are given without one
   */
  private ClientIdentity clientIdentity() {
    if (clientKeyStore != null) {
      return clientKeyStore.select(clientCertIssuer, clientCertSubject);
    }
    if (clientCertIssuer != null || clientCertSubject != null) {
      throw new IllegalArgumentException("a client certificate issuer or subject filter ("
          + (clientCertIssuer != null ? clientCertIssuer : clientCertSubject) + ") chooses among the certificates of "
          + "a PKCS#12 file or the platform certificate store, and neither is configured");
    }
    return clientKey == null ? null : ClientIdentity.of(clientChain, clientKey);
  }

  /**
   * The runtime this configuration makes: TLS context, HTTP client (made at first use), token chain.
   *
   * @throws IllegalArgumentException if the TLS material cannot be used
   */
  public FactoryRuntime compile() {
    List<Route> all = allRoutes();
    TlsSetup tls;
    try {
      tls = TlsSetup.create(extraCas, clientIdentity(), tlsVerificationDisabled);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
    }
    UnaryOperator<String> env = environment;
    ForwardProxies forwardProxies = new ForwardProxies(forwardProxy, forwardProxySource, ProxySelector::getDefault,
        System::getProperty, env, tls.proxyTls());
    Lazy<OkHttpClient> http = Lazy.of(() -> HttpClients.create(tls, forwardProxies, responseTimeout));
    TokenStore store = tokenStore != null ? tokenStore : TokenStore.pomeriumCli();
    TokenSource source = customTokenSource;
    if (source == null) {
      List<TokenChain.Named> machine = new ArrayList<>();
      if (serviceAccount != null) {
        machine.add(serviceAccount);
      }
      if (bearer != null) {
        machine.add(bearer);
      } else if (workloadIdentity != null) {
        // Its token endpoint gets a credential of its own: never with Pomerium's disabled TLS verification.
        Lazy<OkHttpClient> verified = !tlsVerificationDisabled ? http
            : Lazy.of(() -> HttpClients.verifying(http.get(), extraCas));
        machine.add(workloadIdentity.source(verified, env));
      }
      if (tokenCommand != null) {
        machine.add(new TokenChain.Named("token command",
            new CommandTokenSource(tokenCommand, tokenCommandScheme, signInTimeout, console)));
      }
      SignInOptions signIn = new SignInOptions(browserLauncher, useBrowser, interactive, signInTimeout, console, env);
      source = new TokenChain(machine, store, signIn, http, listener);
    }
    return new FactoryRuntime(all, source, store, tls, connectTimeout, responseTimeout, listener, http,
        serverAliveInterval, serverAliveCountMax, forwardProxies, connectionReuse);
  }
}
