package dev.jgitpomerium.transport.internal.proxy;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumLoggers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the way to a Pomerium endpoint, in pomerium-cli's order (pomerium/cli#691), for the tunnel and the sign-in
 * requests alike:
 * <ol>
 *   <li>the explicit forward proxy (the Builder's {@code forwardProxy}, {@code jgit.pomerium.forwardProxy} / {@code
 *       JGIT_POMERIUM_FORWARD_PROXY}, the command line's or a pomerium-cli ProxyCommand's {@code --forward-proxy}),
 *       taken as it is, {@code NO_PROXY} aside; {@value #DIRECT} forces a direct connection;</li>
 *   <li>the JVM's {@code ProxySelector}, when it answers {@code https://host:port} with a proxy: {@code
 *       https.proxyHost} (with {@code http.nonProxyHosts}, which the JDK applies), {@code socksProxyHost}, or a
 *       selector the program installed; an HTTP answer is dialed with {@code CONNECT}, a SOCKS one as {@code
 *       socks5h};</li>
 *   <li>{@code HTTPS_PROXY}, {@code https_proxy}, {@code ALL_PROXY}, {@code all_proxy} (the first that is set), unless
 *       {@code NO_PROXY} (or {@code no_proxy}) names the host, or the host is {@code localhost} or a loopback address
 *       (as Go, and so pomerium-cli, never proxies those);</li>
 *   <li>else directly.</li>
 * </ol>
 * The environment is the factory's (the Builder's environment function), so that tests can give one.
 */
public final class ForwardProxies {
  private static final Logger log = LoggerFactory.getLogger(PomeriumLoggers.TUNNEL);

  /** The explicit value that forces a direct connection whatever the JVM or the environment say. */
  public static final String DIRECT = "direct";

  /** The environment variable that gives the forward proxy: where a password is out of process listings. */
  public static final String ENVIRONMENT_VARIABLE = "JGIT_POMERIUM_FORWARD_PROXY";

  private static final String NONE_CONFIGURED = "no forward proxy is configured";
  private static final List<String> PROXY_VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy");
  private static final List<String> NO_PROXY_VARIABLES = List.of("NO_PROXY", "no_proxy");

  private final String explicit;
  private final String explicitSource;
  private final Supplier<ProxySelector> jvm;
  private final UnaryOperator<String> properties;
  private final UnaryOperator<String> environment;
  private final ProxyChoice.ProxyTls tls;
  private final java.util.Set<String> logged = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param explicit the explicit forward proxy URL, {@value #DIRECT}, or null when none was given
   * @param explicitSource where it was given, for messages ("forwardProxy", "--forward-proxy"...)
   * @param jvm the JVM's selector at the time of each choice ({@code ProxySelector::getDefault})
   * @param properties system properties, only to name the one that configured the JVM's selector
   */
  public ForwardProxies(String explicit, String explicitSource, Supplier<ProxySelector> jvm,
      UnaryOperator<String> properties, UnaryOperator<String> environment, ProxyChoice.ProxyTls tls) {
    this.explicit = explicit;
    this.explicitSource = explicitSource;
    this.jvm = jvm;
    this.properties = properties;
    this.environment = environment;
    this.tls = tls;
  }

  /** Whether {@code source} is one of the environment variables {@code HTTPS_PROXY}, {@code ALL_PROXY}... */
  static boolean isEnvironmentVariable(String source) {
    return PROXY_VARIABLES.contains(source);
  }

  /** Checks an explicit forward proxy setting: a proxy URL or {@value #DIRECT}; returns it stripped. */
  public static String checkExplicit(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("empty forward proxy: give a proxy URL, or '" + DIRECT + "' for none");
    }
    String v = value.strip();
    if (!v.equalsIgnoreCase(DIRECT)) {
      ProxyUrl.parse(v);
    }
    return v;
  }

  /**
   * The way to Pomerium at {@code endpoint}, and why; logged (without credentials) at info level the first time,
   * then at debug.
   *
   * @throws ProxyException if the setting that applies cannot be used (an {@code HTTPS_PROXY} that is no proxy URL)
   */
  public ProxyChoice choose(PomeriumEndpoint endpoint) throws ProxyException {
    return choose(endpoint, "Pomerium at " + endpoint);
  }

  /**
   * As {@link #choose(PomeriumEndpoint)} for any host, which the log calls {@code what}: the sign-in's HTTP client
   * also reaches hosts that are not Pomerium (a CI token endpoint).
   */
  public ProxyChoice choose(PomeriumEndpoint endpoint, String what) throws ProxyException {
    ProxyChoice choice = decide(endpoint);
    // Where a proxy is configured: at info once per endpoint and way (so that -v shows it), not for every connection.
    if (!choice.reason().equals(NONE_CONFIGURED) && logged.add(endpoint.authority() + " " + choice)) {
      log.info("{} is reached {}", what, choice);
    } else {
      log.debug("{} is reached {}", what, choice);
    }
    return choice;
  }

  private ProxyChoice decide(PomeriumEndpoint endpoint) throws ProxyException {
    if (explicit != null) {
      if (explicit.equalsIgnoreCase(DIRECT)) {
        return ProxyChoice.direct(explicitSource + " is '" + DIRECT + "'");
      }
      return ProxyChoice.through(parse(explicit, explicitSource), explicitSource, tls);
    }
    ProxyChoice fromJvm = fromJvm(endpoint);
    if (fromJvm != null) {
      return fromJvm;
    }
    for (String name : PROXY_VARIABLES) {
      String value = environment.apply(name);
      if (value == null || value.isBlank()) {
        continue;
      }
      String host = endpoint.host().toLowerCase(Locale.ROOT);
      byte[] literal = NoProxy.literal(host);
      if (host.equals("localhost") || host.endsWith(".localhost") || (literal != null && loopback(literal))) {
        return ProxyChoice.direct("Pomerium's host " + endpoint.host() + " is a loopback address, which " + name
            + " does not apply to");
      }
      for (String noProxyName : NO_PROXY_VARIABLES) {
        String noProxy = environment.apply(noProxyName);
        if (noProxy != null && !noProxy.isBlank()) {
          Optional<String> entry = NoProxy.parse(noProxy).match(endpoint.host(), endpoint.port());
          if (entry.isPresent()) {
            return ProxyChoice.bypassed(noProxyName + " entry '" + entry.get() + "' matches " + endpoint.host()
                + " (" + name + " not used)", noProxyName + " entry '" + entry.get() + "' matches; " + name
                + " not used");
          }
          break; // NO_PROXY wins over no_proxy, as in Go
        }
      }
      return ProxyChoice.through(parse(value, name), name, tls);
    }
    return ProxyChoice.direct(NONE_CONFIGURED);
  }

  private static boolean loopback(byte[] literal) {
    try {
      return InetAddress.getByAddress(literal).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static ProxyUrl parse(String value, String source) throws ProxyException {
    try {
      return ProxyUrl.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ProxyException(null, ProxyException.NO_STATUS, source + " cannot be used: " + e.getMessage(),
          "set it to a proxy URL (http://, https://, socks5:// or socks5h://host:port) or unset it", e);
    }
  }

  /** The JVM selector's first non-DIRECT answer for {@code https://host:port}, or null. */
  private ProxyChoice fromJvm(PomeriumEndpoint endpoint) throws ProxyException {
    ProxySelector selector = jvm.get();
    if (selector == null) {
      return null;
    }
    List<Proxy> answer;
    try {
      answer = selector.select(new URI("https", null, endpoint.host(), endpoint.port(), null, null, null));
    } catch (URISyntaxException | RuntimeException e) {
      throw new ProxyException(null, ProxyException.NO_STATUS, "the JVM's ProxySelector (" + selector.getClass()
          .getName() + ") failed for https://" + endpoint.authority() + ": " + e, null, e);
    }
    if (answer == null) {
      return null;
    }
    for (Proxy p : answer) {
      if (p.type() == Proxy.Type.DIRECT || !(p.address() instanceof InetSocketAddress address)) {
        continue;
      }
      boolean socks = p.type() == Proxy.Type.SOCKS;
      String host = address.getHostString();
      if (host.indexOf('@') >= 0 || host.indexOf('/') >= 0) {
        // https.proxyHost=http://user:password@proxy: the JDK takes it as a host name, which must not be shown.
        String source = jvmSource(selector, socks, null);
        throw new ProxyException(null, ProxyException.NO_STATUS, source + " cannot be used: it holds '"
            + ProxyUrl.redact(host) + "', not a host name", "set it to the proxy's host name only, and give the"
            + " proxy's user name and password in the environment variable " + ENVIRONMENT_VARIABLE
            + " (http://user:password@host:port), which takes precedence", null);
      }
      ProxyUrl url = ProxyUrl.of(socks ? ProxyUrl.Scheme.SOCKS5H : ProxyUrl.Scheme.HTTP, host, address.getPort());
      return ProxyChoice.through(url, jvmSource(selector, socks, host), tls);
    }
    return null;
  }

  private String jvmSource(ProxySelector selector, boolean socks, String host) {
    String property = socks ? "socksProxyHost" : "https.proxyHost";
    String configured = properties.apply(property);
    if (configured != null && (host == null || configured.strip().equalsIgnoreCase(host))
        && selector.getClass().getName().startsWith("sun.net.")) {
      return property;
    }
    return "the JVM's ProxySelector (" + selector.getClass().getName() + ")";
  }
}
