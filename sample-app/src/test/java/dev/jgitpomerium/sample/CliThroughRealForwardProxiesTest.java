package dev.jgitpomerium.sample;

import static dev.jgitpomerium.sample.CliProcess.jgitPomerium;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.GitBehindPomerium;
import dev.jgitpomerium.testkit.RecordedConnect;
import dev.jgitpomerium.testkit.Socks5Proxy;
import dev.jgitpomerium.testkit.SquidProxy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line reaches Pomerium through real forward proxies on 127.0.0.1, in a set-up where Pomerium's name
 * ({@value #POMERIUM_HOST}) resolves only at the proxy, as behind a corporate proxy: squid chosen by {@code
 * HTTPS_PROXY} and by the JVM's {@code https.proxyHost}, squid with Basic authentication and squid's TLS port chosen by
 * {@code --forward-proxy}, and microsocks as {@code socks5h://} with a user and password (by the flag, and by a
 * pomerium-cli ProxyCommand's {@code --forward-proxy} in ~/.ssh/config). A sign-in (the login API request and the
 * browser's page) goes through squid too. Each proxy logs the tunnel to Pomerium's {@code host:port}, and Pomerium
 * sees the {@code CONNECT} to the git host inside it. A wrong proxy password is the proxy's 407 refusal, and {@code
 * NO_PROXY} for Pomerium's host connects directly, which then cannot resolve the name.
 *
 * <p>Nothing on this machine resolves {@value #POMERIUM_HOST} (a {@code .test} name, RFC 6761, in no hosts file but
 * the proxies' own: squid's {@code hosts_file}, microsocks' nss_wrapper file; see {@link SquidProxy} and {@link
 * Socks5Proxy}); {@link #start} checks it. The command line runs in a JVM of its own, as a user runs it, with the
 * environment the test gives; the gateway's and the HTTPS proxy's CAs are in one bundle for {@code
 * --alternate-ca-path}, as a company's CA bundle would be. The proxies and the scene start once for the class.
 */
class CliThroughRealForwardProxiesTest {
  private static final String POMERIUM_HOST = "pomerium.proxied.test";
  private static final String PROXY_USER = "alice";
  private static final String PROXY_PASSWORD = "proxy-pass-7f3a";
  private static final Duration LOG_WAIT = Duration.ofSeconds(10);

  @TempDir static Path root;

  private static GitBehindPomerium scene;
  private static ChildProcesses processes;
  private static SquidProxy squid;
  private static SquidProxy authenticatingSquid;
  private static Socks5Proxy socks;
  private static Path caBundle;

  @BeforeAll
  static void start() throws Exception {
    assertThrows(UnknownHostException.class, () -> InetAddress.getByName(POMERIUM_HOST),
        POMERIUM_HOST + " must resolve only at the proxies, not on this machine");
    scene = GitBehindPomerium.start(root, gateway -> gateway.hostNames(POMERIUM_HOST));
    processes = new ChildProcesses(root.resolve("process-output"), scene.home());
    squid = SquidProxy.builder().hostsEntry(POMERIUM_HOST, "127.0.0.1").start();
    authenticatingSquid = SquidProxy.builder().hostsEntry(POMERIUM_HOST, "127.0.0.1")
        .basicAuthentication(PROXY_USER, PROXY_PASSWORD).https().start();
    socks = Socks5Proxy.builder().hostsEntry(POMERIUM_HOST, "127.0.0.1").credentials(PROXY_USER, PROXY_PASSWORD)
        .start();
    caBundle = Files.writeString(root.resolve("ca-bundle.pem"),
        scene.gateway().caCertificatePem() + authenticatingSquid.caCertificatePem(), US_ASCII);
  }

  /** Closes everything, even when one close fails: the child processes first (they hold tunnels), the scene last. */
  @AfterAll
  static void stop() throws Exception {
    Exception failure = null;
    for (AutoCloseable closeable : new AutoCloseable[] {processes, socks, authenticatingSquid, squid, scene}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void lsRemoteGoesThroughSquidChosenByHttpsProxyToThePomeriumNameOnlyTheProxyResolves() throws Exception {
    int before = scene.gateway().requestCount();
    int tunnelsBefore = tunnels(squid, squid.address().getPort());

    ChildProcesses.Result result = cli(Map.of("HTTPS_PROXY", squid.httpUrl()), "ls-remote", GitBehindPomerium.URI);

    assertEquals(0, result.exitCode(), () -> result.describe() + squid.log());
    assertListsTheServersMain(result);
    SquidProxy.Request tunnel = awaitOneMoreTunnel(squid, squid.address().getPort(), tunnelsBefore);
    assertEquals(200, tunnel.status(), squid::log);
    assertEquals("127.0.0.1", tunnel.peer(), "squid resolved " + POMERIUM_HOST + " from its hosts file");
    assertGatewaySawOneConnectToTheGitHostAfter(before);
  }

  @Test
  void withoutATokenTheSignInAndThenTheTunnelGoThroughSquid() throws Exception {
    int before = scene.gateway().requestCount();
    int httpRequests = scene.gateway().httpRequestLines().size();
    int signIns = scene.gateway().signInCount();
    int loginApiCalls = scene.gateway().loginApiCount();
    int port = squid.address().getPort();
    int tunnelsBefore = tunnels(squid, port);
    Path browserLog = root.resolve("browser.log");
    // The person's browser is behind the same proxy: it cannot resolve Pomerium's name either.
    Path browser = ScriptedBrowser.writeScript(root.resolve("browser.sh"), caBundle, squid.address(), browserLog);

    ChildProcesses.Result result = processes.run(root, Map.of("HTTPS_PROXY", squid.httpUrl(),
        "JGIT_POMERIUM_INTERACTIVE", "true", "JGIT_POMERIUM_BROWSER_COMMAND", browser.toString(),
        "JGIT_POMERIUM_SIGN_IN_TIMEOUT", "30s"), jgitPomerium(scene.home(), "ls-remote", GitBehindPomerium.URI,
            "--pomerium-url", scene.gateway().url(), "--alternate-ca-path", caBundle.toString()));

    assertEquals(0, result.exitCode(), () -> result.describe() + "\n--- browser ---\n" + read(browserLog)
        + squid.log());
    assertListsTheServersMain(result);
    assertEquals(loginApiCalls + 1, scene.gateway().loginApiCount(), "one login API request");
    assertEquals(signIns + 1, scene.gateway().signInCount(), "one sign-in");
    List<RecordedConnect> connects = scene.gateway().requests();
    String token = scene.gateway().issuedTokens().get(scene.gateway().issuedTokens().size() - 1);
    assertTrue(("Pomerium " + token).equals(connects.get(connects.size() - 1).authorization()),
        "the tunnel carried the token of the sign-in");
    // Every request Pomerium got (the CONNECT that was sent to sign in, the login API request, the browser's sign-in
    // page, the CONNECT with the new token) came through its own tunnel through squid.
    int expected = tunnelsBefore + (connects.size() - before)
        + (scene.gateway().httpRequestLines().size() - httpRequests);
    int tunnels = squid.awaitRequests(r -> r.isConnectTo(pomeriumAuthority()) && r.proxyPort() == port, expected,
        LOG_WAIT).size();
    assertEquals(expected, tunnels, squid::log);
    assertTrue(connects.size() - before >= 1 && scene.gateway().httpRequestLines().size() - httpRequests >= 2,
        () -> connects + " " + scene.gateway().httpRequestLines());
  }

  @Test
  void theJvmsHttpsProxyHostSendsTheTunnelThroughSquid() throws Exception {
    int before = scene.gateway().requestCount();
    int port = squid.address().getPort();
    int tunnelsBefore = tunnels(squid, port);

    // As a company sets it for every Java program.
    ChildProcesses.Result result = cli(Map.of("JAVA_TOOL_OPTIONS",
        "-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=" + port), "ls-remote", GitBehindPomerium.URI);

    assertEquals(0, result.exitCode(), () -> result.describe() + squid.log());
    assertListsTheServersMain(result);
    assertEquals(200, awaitOneMoreTunnel(squid, port, tunnelsBefore).status(), squid::log);
    assertGatewaySawOneConnectToTheGitHostAfter(before);
  }

  @Test
  void cloneGoesThroughSquidWithBasicAuthenticationFromTheForwardProxyFlag() throws Exception {
    Path target = root.resolve("clone-through-authenticating-squid");
    int port = authenticatingSquid.address().getPort();
    int tunnelsBefore = tunnels(authenticatingSquid, port);

    ChildProcesses.Result result = cli(Map.of(), "clone", GitBehindPomerium.URI, target.toString(),
        "--forward-proxy", authenticatingSquid.httpUrl(PROXY_USER, PROXY_PASSWORD));

    assertEquals(0, result.exitCode(), () -> result.describe() + authenticatingSquid.log());
    try (Git clone = Git.open(target.toFile())) {
      assertEquals(scene.initialHead(), clone.getRepository().resolve("HEAD"));
    }
    SquidProxy.Request tunnel = awaitOneMoreTunnel(authenticatingSquid, port, tunnelsBefore);
    assertEquals(200, tunnel.status(), authenticatingSquid::log);
    assertEquals(PROXY_USER, tunnel.user(), "squid authenticated the user of --forward-proxy's URL");
    assertNoProxyPasswordIn(result);
  }

  @Test
  void lsRemoteGoesThroughAnHttpsProxyTrustedThroughTheCaBundle() throws Exception {
    int before = scene.gateway().requestCount();
    int port = authenticatingSquid.httpsAddress().getPort();
    int tunnelsBefore = tunnels(authenticatingSquid, port);

    ChildProcesses.Result result = cli(Map.of(), "ls-remote", GitBehindPomerium.URI,
        "--forward-proxy", authenticatingSquid.httpsUrl(PROXY_USER, PROXY_PASSWORD));

    assertEquals(0, result.exitCode(), () -> result.describe() + authenticatingSquid.log());
    assertListsTheServersMain(result);
    SquidProxy.Request tunnel = awaitOneMoreTunnel(authenticatingSquid, port, tunnelsBefore);
    assertEquals(200, tunnel.status(), authenticatingSquid::log);
    assertEquals(PROXY_USER, tunnel.user());
    assertGatewaySawOneConnectToTheGitHostAfter(before);
    assertNoProxyPasswordIn(result);
  }

  @Test
  void lsRemoteGoesThroughSocks5hWithUserAndPasswordAndTheProxyResolvesPomeriumsName() throws Exception {
    int before = scene.gateway().requestCount();
    int tunnelsBefore = socks.awaitConnections(pomeriumAuthority(), 0, Duration.ZERO);

    ChildProcesses.Result result = cli(Map.of(), "ls-remote", GitBehindPomerium.URI,
        "--forward-proxy", socks.url("socks5h", PROXY_USER, PROXY_PASSWORD));

    assertEquals(0, result.exitCode(), () -> result.describe() + socks.log());
    assertListsTheServersMain(result);
    assertEquals(tunnelsBefore + 1, socks.awaitConnections(pomeriumAuthority(), tunnelsBefore + 1, LOG_WAIT),
        socks::log);
    assertGatewaySawOneConnectToTheGitHostAfter(before);
    assertNoProxyPasswordIn(result);
  }

  @Test
  void thePomeriumCliProxyCommandsForwardProxyInSshConfigTakesTheTunnelThroughSocks5() throws Exception {
    int before = scene.gateway().requestCount();
    int tunnelsBefore = socks.awaitConnections(pomeriumAuthority(), 0, Duration.ZERO);
    // A home of its own: the other tests' commands must not read this ssh config.
    Path home = Files.createDirectories(root.resolve("home-with-ssh-config/.ssh")).getParent();
    for (String file : List.of("id_ecdsa", "known_hosts")) {
      Files.copy(scene.sshDirectory().resolve(file), home.resolve(".ssh").resolve(file),
          java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    }
    Files.writeString(home.resolve(".ssh/config"), "Host " + GitBehindPomerium.HOST + "\n"
        + "  ProxyCommand pomerium-cli tcp --listen - --pomerium-url " + scene.gateway().url()
        + " --alternate-ca-path " + caBundle + " --service-account-file " + scene.tokenFile()
        + " --forward-proxy " + socks.url("socks5h", PROXY_USER, PROXY_PASSWORD) + " %h:%p\n", US_ASCII);
    Path target = root.resolve("clone-by-ssh-config");

    ChildProcesses.Result result = processes.run(root, Map.of(),
        jgitPomerium(home, "clone", GitBehindPomerium.URI, target.toString()));

    assertEquals(0, result.exitCode(), () -> result.describe() + socks.log());
    try (Git clone = Git.open(target.toFile())) {
      assertEquals(scene.initialHead(), clone.getRepository().resolve("HEAD"));
    }
    assertEquals(tunnelsBefore + 1, socks.awaitConnections(pomeriumAuthority(), tunnelsBefore + 1, LOG_WAIT),
        socks::log);
    assertGatewaySawOneConnectToTheGitHostAfter(before);
    assertNoProxyPasswordIn(result);
  }

  @Test
  void aWrongProxyPasswordIsTheProxysRefusalWith407AndPomeriumIsNeverAsked() throws Exception {
    int before = scene.gateway().requestCount();
    int port = authenticatingSquid.address().getPort();
    int refusalsBefore = authenticatingSquid.requests().stream()
        .filter(r -> r.isConnectTo(pomeriumAuthority()) && r.proxyPort() == port && r.status() == 407).toList().size();
    String wrong = "not-the-proxy-password";

    ChildProcesses.Result result = cli(Map.of(), "ls-remote", GitBehindPomerium.URI,
        "--forward-proxy", authenticatingSquid.httpUrl(PROXY_USER, wrong));

    assertNotEquals(0, result.exitCode(), result::describe);
    assertEquals("", result.stdout(), result::describe);
    List<String> lines = result.stderr().lines().filter(l -> l.startsWith("jgit-pomerium: ")).toList();
    assertEquals(List.of("jgit-pomerium: the proxy 127.0.0.1:" + port + " (from --forward-proxy) refused CONNECT "
        + pomeriumAuthority() + " (HTTP 407 Proxy Authentication Required): proxy authentication required (for "
        + GitBehindPomerium.HOST + ":22); check the credentials in --forward-proxy"), lines, result::describe);
    assertFalse(result.stderr().contains("\tat "), "no stack trace without --verbose\n" + result.describe());
    assertFalse(result.stderr().contains(wrong), "the proxy password appeared:\n" + result.describe());
    List<SquidProxy.Request> refusals = authenticatingSquid.awaitRequests(
        r -> r.isConnectTo(pomeriumAuthority()) && r.proxyPort() == port && r.status() == 407, refusalsBefore + 1,
        LOG_WAIT);
    assertEquals(refusalsBefore + 1, refusals.size(), "squid refused one CONNECT with 407\n"
        + authenticatingSquid.log());
    assertEquals(before, scene.gateway().requestCount(), "no CONNECT reached Pomerium");
  }

  @Test
  void noProxyForPomeriumsHostConnectsDirectlyAndThenCannotResolveTheName() throws Exception {
    int before = scene.gateway().requestCount();
    int tunnelsBefore = tunnels(squid, squid.address().getPort());

    ChildProcesses.Result result = cli(Map.of("HTTPS_PROXY", squid.httpUrl(), "NO_PROXY", ".proxied.test"),
        "ls-remote", GitBehindPomerium.URI);

    assertNotEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stderr().contains("unknown host " + POMERIUM_HOST), result::describe);
    assertEquals(before, scene.gateway().requestCount());
    // Through squid the name would have resolved and the command worked; squid logged no tunnel for it.
    assertEquals(tunnelsBefore, tunnels(squid, squid.address().getPort()), squid::log);
  }

  /** {@code pomerium.proxied.test:<gateway port>}, the CONNECT target a proxy must see. */
  private static String pomeriumAuthority() {
    return POMERIUM_HOST + ":" + scene.gateway().port();
  }

  /** The command line in its own JVM: {@code args}, then the scene's Pomerium URL, CA bundle and token file. */
  private static ChildProcesses.Result cli(Map<String, String> environment, String... args) throws Exception {
    List<String> words = new ArrayList<>(List.of(args));
    words.addAll(List.of("--pomerium-url", scene.gateway().url(), "--alternate-ca-path", caBundle.toString(),
        "--service-account-file", scene.tokenFile().toString()));
    return processes.run(root, environment, jgitPomerium(scene.home(), words.toArray(new String[0])));
  }

  /** The tunnels to Pomerium that {@code proxy} logged on its {@code port} so far. */
  private static int tunnels(SquidProxy proxy, int port) {
    return proxy.requests().stream().filter(r -> r.isConnectTo(pomeriumAuthority()) && r.proxyPort() == port).toList()
        .size();
  }

  /** Waits for exactly one tunnel to Pomerium on {@code port} after the {@code before} there were; returns it. */
  private static SquidProxy.Request awaitOneMoreTunnel(SquidProxy proxy, int port, int before) {
    List<SquidProxy.Request> tunnels = proxy.awaitRequests(
        r -> r.isConnectTo(pomeriumAuthority()) && r.proxyPort() == port, before + 1, LOG_WAIT);
    assertEquals(before + 1, tunnels.size(), "one more CONNECT " + pomeriumAuthority() + "\n" + proxy.log());
    return tunnels.get(before);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, US_ASCII) : "";
    } catch (java.io.IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  private static void assertListsTheServersMain(ChildProcesses.Result result) {
    assertTrue(result.stdout().contains(scene.initialHead().name() + "\trefs/heads/main"), result::describe);
  }

  private static void assertGatewaySawOneConnectToTheGitHostAfter(int before) {
    List<RecordedConnect> requests = scene.gateway().requests();
    assertEquals(before + 1, requests.size(), requests::toString);
    assertEquals(GitBehindPomerium.HOST + ":22", requests.get(before).target());
  }

  private static void assertNoProxyPasswordIn(ChildProcesses.Result result) {
    assertFalse((result.stdout() + result.stderr()).contains(PROXY_PASSWORD),
        "the proxy password appeared:\n" + result.describe());
  }
}
