package dev.jgitpomerium.transport.internal.doctor;

import dev.jgitpomerium.transport.Diagnosis;
import dev.jgitpomerium.transport.Diagnosis.Check;
import dev.jgitpomerium.transport.Diagnosis.Outcome;
import dev.jgitpomerium.transport.PomeriumException;
import dev.jgitpomerium.transport.PomeriumProxyException;
import dev.jgitpomerium.transport.PomeriumTlsException;
import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.Route;
import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.TokenRequest;
import dev.jgitpomerium.transport.internal.Authorities;
import dev.jgitpomerium.transport.internal.config.FactoryRuntime;
import dev.jgitpomerium.transport.internal.proxy.ProxyChoice;
import dev.jgitpomerium.transport.internal.proxy.ProxyUrl;
import dev.jgitpomerium.transport.internal.relay.Sockets;
import dev.jgitpomerium.transport.internal.routing.RedactedCommandLine;
import dev.jgitpomerium.transport.internal.routing.Router;
import dev.jgitpomerium.transport.internal.session.KnownHosts;
import dev.jgitpomerium.transport.internal.signin.SignInOptions;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import dev.jgitpomerium.transport.internal.token.Jwts;
import dev.jgitpomerium.transport.internal.token.TokenChain;
import dev.jgitpomerium.transport.internal.tunnel.ClientCertificateRequest;
import dev.jgitpomerium.transport.internal.tunnel.Failures;
import dev.jgitpomerium.transport.internal.tunnel.ResponseHead;
import dev.jgitpomerium.transport.internal.tunnel.TunnelDialer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase.Configuration.StrictHostKeyChecking;

/**
 * Walks what a connection to one host does, step by step, with the code a connection runs: the {@link Router}'s
 * decision from ssh config, the {@link TunnelDialer}'s TCP, TLS and {@code CONNECT}, the token chain's answer for a
 * first attempt, and a JGit connection whose host key {@link KnownHosts} judges as it would for a real one. It never
 * signs in, prompts, records a host key or runs a ProxyCommand (other than a pomerium-cli line, which the library
 * follows in-process anyway); no token appears in what it reports.
 */
public final class Doctor {
  /** How long an SSH server has to send its identification: OpenSSH's banner arrives at once. */
  private static final int MAX_BANNER_BYTES = 8192;
  /** Certificates that expire sooner are warned about. */
  private static final Duration EXPIRY_WARNING = Duration.ofDays(14);

  /** Judges the host key a connection to {@code host:port} gets (see {@code HostKeyScans.probe}). */
  @FunctionalInterface
  public interface HostKeyProbe {
    KnownHosts.Check probe(String host, int port) throws IOException;
  }

  private final Router router;
  private final HostKeyProbe hostKeys;

  public Doctor(Router router, HostKeyProbe hostKeys) {
    this.router = router;
    this.hostKeys = hostKeys;
  }

  /** A host as written in a git URL: {@code ssh://[user@]host[:port]/path}, {@code [user@]host:path}, or a host. */
  record Target(String host, int port, String user) {
    static Target parse(String urlOrHost) {
      String text = urlOrHost.strip();
      if (text.isEmpty()) {
        throw new IllegalArgumentException("no host given");
      }
      boolean bracketed = text.startsWith("[") && text.endsWith("]");
      if (text.contains("://") || (!bracketed && text.indexOf(':') > 0)) {
        URIish uri;
        try {
          uri = new URIish(text);
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException("'" + urlOrHost + "' is not a git URL: " + e.getReason(), e);
        }
        if (uri.getHost() == null || (uri.getScheme() != null && !uri.getScheme().equals("ssh"))) {
          throw new IllegalArgumentException("'" + urlOrHost + "' is not an SSH URL or host");
        }
        return new Target(uri.getHost(), Math.max(uri.getPort(), 0), uri.getUser());
      }
      int at = text.lastIndexOf('@');
      String user = at > 0 ? text.substring(0, at) : null;
      String host = at >= 0 ? text.substring(at + 1) : text;
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (host.isEmpty() || host.contains("/")) {
        throw new IllegalArgumentException("'" + urlOrHost + "' is not an SSH URL or host");
      }
      return new Target(host, 0, user);
    }

    @Override
    public String toString() {
      return port > 0 && port != 22 ? Authorities.asOpenSshWritesIt(host, port) : host;
    }
  }

  /** Diagnoses a connection to {@code urlOrHost}; never throws for what it finds, only for input it cannot read. */
  public Diagnosis diagnose(String urlOrHost) {
    Target target = Target.parse(urlOrHost);
    Steps steps = new Steps();
    long start = System.nanoTime();
    SshConfig.Resolution resolution;
    Router.Decision decision;
    try {
      resolution = router.resolve(target.host(), target.port(), target.user());
      decision = router.decide(resolution);
    } catch (SshConfigException e) {
      steps.failed(Check.SSH_CONFIG, start, List.of(), e, "correct the ssh config where the message says");
      return steps.diagnosis(target);
    } catch (IllegalArgumentException | IllegalStateException e) {
      steps.failed(Check.SSH_CONFIG, start, List.of(), new IOException("jgit-pomerium is misconfigured: "
          + e.getMessage(), e), "correct the setting the message names");
      return steps.diagnosis(target);
    }
    steps.passed(Check.SSH_CONFIG, start, sshConfigDetails(target, resolution, decision));
    SshConfig.HostEntry entry;
    try {
      entry = resolution.entry();
    } catch (SshConfigException e) {
      throw new IllegalStateException(e); // decide() read it already
    }
    if (decision instanceof Router.Pomerium pomerium) {
      throughPomerium(steps, pomerium);
    } else if (decision instanceof Router.ProxyCommand command) {
      // The command itself shows once, at SSH_CONFIG (as ssh -G shows it): it may hold a password of its own.
      steps.notApplicable(Check.PROXY, target.host() + " is reached through a ProxyCommand (see SSH_CONFIG), which "
          + "doctor does not run; run it by hand with " + sshVerbose(target));
      for (Check check : List.of(Check.DNS, Check.TCP, Check.TLS, Check.TOKEN, Check.CONNECT, Check.SSH_BANNER,
          Check.HOST_KEY)) {
        steps.notApplicable(check, "not checked: the ProxyCommand makes this part of the connection");
      }
      return steps.diagnosis(target);
    } else {
      directly(steps, entry, resolution.value("proxyjump"));
    }
    hostKey(steps, entry, target);
    return steps.diagnosis(target);
  }

  /** The OpenSSH command line that tries the connection the doctor cannot follow, with OpenSSH's own trace. */
  private static String sshVerbose(Target target) {
    return "ssh -v" + (target.port() > 0 && target.port() != 22 ? " -p " + target.port() : "") + " "
        + (target.user() != null ? target.user() + "@" : "") + target.host();
  }

  private List<String> sshConfigDetails(Target target, SshConfig.Resolution resolution, Router.Decision decision) {
    List<String> details = new ArrayList<>();
    java.io.File file = router.sshConfigFile();
    details.add(Files.isRegularFile(file.toPath()) ? "read " + router.displayed(file)
        : "no ssh config (" + router.displayed(file) + " does not exist)");
    details.add("HostName " + resolution.hostName() + origin(resolution.value("hostname"), "as given"));
    details.add("Port " + resolution.port() + origin(resolution.value("port"),
        target.port() > 0 ? "as given" : "the default"));
    details.add("User " + resolution.user() + origin(resolution.value("user"),
        target.user() != null ? "as given" : "the local user"));
    SshConfig.Value alias = resolution.value("hostkeyalias");
    if (alias != null) {
      details.add("HostKeyAlias " + alias.raw() + origin(alias, null));
    }
    SshConfig.Value jump = resolution.value("proxyjump");
    SshConfig.Value command = resolution.value("proxycommand");
    if (jump != null) {
      details.add("ProxyJump " + jump.raw() + origin(jump, null));
    } else if (command != null) {
      details.add("ProxyCommand " + redacted(command.raw()) + origin(command, null));
    }
    if (decision instanceof Router.Pomerium p) {
      details.add("route: through Pomerium at " + p.route().endpoint().url() + " to " + p.route().destination()
          + " (" + p.origin() + ")" + (jump == null && command != null && p.origin().equals("configured route")
              ? "; a configured route wins over the ProxyCommand" : ""));
    } else if (decision instanceof Router.ProxyCommand c) {
      details.add("route: through the ProxyCommand (not a pomerium-cli line, so it is run as OpenSSH runs it)");
    } else {
      details.add("route: directly" + (jump != null ? ", through the jump host" : "")
          + " (no Pomerium route and no ProxyCommand)");
    }
    return details;
  }

  private static String origin(SshConfig.Value value, String otherwise) {
    if (value != null && value.file() != null) {
      return " (" + value.where() + ")";
    }
    return otherwise == null ? "" : " (" + otherwise + ")";
  }

  /** The line as {@link RedactedCommandLine} shows it: no token, no proxy password. */
  static String redacted(String line) {
    return RedactedCommandLine.of(line);
  }

  private void throughPomerium(Steps steps, Router.Pomerium pomerium) {
    Route route = pomerium.route();
    FactoryRuntime runtime = pomerium.runtime();
    TunnelDialer dialer = new TunnelDialer(runtime);
    String host = route.endpoint().host();
    long start = System.nanoTime();
    ProxyChoice choice;
    try {
      choice = dialer.proxyChoice(route);
    } catch (PomeriumException e) {
      steps.failed(Check.PROXY, start, List.of(), e, e.hint().orElse("correct the forward proxy setting"));
      return;
    }
    if (choice.isDirect()) {
      steps.passed(Check.PROXY, start, List.of("DIRECT: " + choice.reason()));
      start = System.nanoTime();
      try {
        InetAddress[] addresses = InetAddress.getAllByName(host);
        steps.passed(Check.DNS, start, List.of(host + ": " + Arrays.stream(addresses)
            .map(InetAddress::getHostAddress).collect(Collectors.joining(", "))));
      } catch (UnknownHostException e) {
        steps.failed(Check.DNS, start, List.of(), Failures.unreachable(route, e, runtime.connectTimeout()),
            "check the host name of the Pomerium URL (" + route.endpoint().url() + ") and this machine's DNS");
        return;
      }
    }

    long proxyStart = start;
    start = System.nanoTime();
    Socket raw;
    try {
      raw = dialer.connect(route, choice);
    } catch (PomeriumProxyException e) {
      steps.failed(Check.PROXY, proxyStart, List.of(proxyLine(choice), e.what()), e,
          e.hint().orElse("check the forward proxy setting (" + choice.source() + ") and the proxy's rules"));
      return;
    } catch (PomeriumException e) {
      steps.failed(Check.TCP, start, List.of(), e, "check that Pomerium listens on " + route.endpoint().authority()
          + " and that this machine may reach it (firewall, VPN, a proxy it needs)");
      return;
    }
    if (!choice.isDirect()) {
      steps.add(Check.PROXY, Outcome.PASSED, proxyStart, List.of(proxyLine(choice), "the proxy opened the way to "
          + route.endpoint().authority()), null, null);
      steps.notApplicable(Check.DNS, choice.proxy().orElseThrow().scheme() == ProxyUrl.Scheme.SOCKS5
          ? "socks5:// resolves " + host + " here, as part of the way through the proxy"
          : "the proxy resolves " + host);
    }
    SSLSocket tls = null;
    try {
      steps.passed(Check.TCP, start, List.of(choice.isDirect()
          ? "connected to " + address(raw) + " (" + route.endpoint().authority() + ")"
          : "connected to " + route.endpoint().authority() + " through the proxy at " + address(raw)));
      start = System.nanoTime();
      try {
        tls = dialer.handshake(route, raw);
      } catch (PomeriumException e) {
        List<String> details = new ArrayList<>();
        details.add(e.what());
        List<X509Certificate> presented = dialer.presentedChain(route, choice);
        for (int i = 0; i < presented.size(); i++) {
          details.add("presented certificate " + i + ": " + certificate(presented.get(i)));
        }
        steps.failed(Check.TLS, start, details, e, e.hint().orElse("check Pomerium's certificate"));
        return;
      }
      long tlsStart = start;
      tls(steps, start, tls.getSession(), route, runtime.tls().verificationDisabled(),
          runtime.tls().clientCertificateRequest(tls));

      start = System.nanoTime();
      String ci = SignInOptions.ciVariable(router.environment());
      Sent sent;
      try {
        sent = token(steps, start, route, runtime, ci);
      } catch (PomeriumException e) {
        steps.failed(Check.TOKEN, start, List.of(), e, e.hint().orElse("correct the token setting"));
        return;
      }

      start = System.nanoTime();
      ResponseHead head;
      try {
        head = dialer.exchange(route, tls, sent.token());
      } catch (PomeriumTlsException e) {
        // Under TLS 1.3 a refused client certificate shows only at the first exchange: the fault is TLS's.
        List<String> details = new ArrayList<>(steps.retract(Check.TLS));
        details.add(e.what());
        steps.failed(Check.TLS, tlsStart, details, e, e.hint().orElse("check the client certificate"));
        return;
      } catch (PomeriumException e) {
        steps.failed(Check.CONNECT, start, List.of(), e, e.hint().orElse("check that this address is Pomerium"));
        return;
      }
      if (head.status() < 200 || head.status() >= 300) {
        PomeriumException refusal = TunnelDialer.refusal(route, head, sent.token());
        boolean signInWanted = head.status() == 401 || (head.status() >= 300 && head.status() < 400);
        String fix = !signInWanted ? null : sent.token() == null ? noTokenFix(ci) : rejectedTokenFix(sent.source());
        steps.failed(Check.CONNECT, start, List.of("CONNECT " + route.destination() + ": " + head),
            refusal, fix != null ? fix : refusal.hint().orElse("ask Pomerium's administrator what HTTP "
                + head.status() + " means here"));
        return;
      }
      steps.passed(Check.CONNECT, start, List.of("CONNECT " + route.destination() + ": " + head + ": tunnel open"));

      start = System.nanoTime();
      banner(steps, start, tls, runtime.responseTimeout(), "the SSH server behind the route ("
          + route.destination() + ")");
    } finally {
      Sockets.closeQuietly(tls);
      Sockets.closeQuietly(raw);
    }
  }

  /** The choice, as the proxy's URL shows without credentials, and the setting that chose it. */
  private static String proxyLine(ProxyChoice choice) {
    return choice.isDirect() ? "DIRECT: " + choice.reason() : "through " + choice.proxy().orElseThrow() + ", "
        + choice.reason();
  }

  private static void tls(Steps steps, long start, SSLSession session, Route route, boolean verificationDisabled,
      Optional<ClientCertificateRequest> clientCertificate) {
    List<String> details = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    details.add(session.getProtocol() + ", " + session.getCipherSuite());
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      chain = new Certificate[0];
    }
    Instant now = Instant.now();
    for (int i = 0; i < chain.length; i++) {
      if (chain[i] instanceof X509Certificate x509) {
        Instant notAfter = x509.getNotAfter().toInstant();
        details.add("certificate " + i + ": " + certificate(x509));
        if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
          warnings.add("certificate " + i + " (" + x509.getSubjectX500Principal().getName() + ") expires "
              + notAfter + (notAfter.isBefore(now) ? ", it has expired" : ", in "
              + humane(Duration.between(now, notAfter))));
        }
      }
    }
    clientCertificate.ifPresent(asked -> details.add("Pomerium asked for a client certificate"
        + (asked.issuers().isEmpty() ? "" : " issued by " + String.join(" or ", asked.issuers())) + ": "
        + (asked.sent().isEmpty() ? "none was sent" : "sent " + certificate(asked.sent().get(0)))));
    if (verificationDisabled) {
      warnings.add("TLS verification is disabled: the chain and the name " + route.endpoint().host()
          + " were not checked, and anyone on the path could take the token");
    } else {
      details.add("the certificate is trusted and valid for " + route.endpoint().host());
    }
    details.addAll(warnings);
    steps.add(Check.TLS, warnings.isEmpty() ? Outcome.PASSED : Outcome.WARNING, start, details, null,
        warnings.isEmpty() ? null : verificationDisabled ? "turn TLS verification back on and trust Pomerium's CA"
            : "have Pomerium's certificate renewed before it expires");
  }

  private static String certificate(X509Certificate x509) {
    return x509.getSubjectX500Principal().getName() + ", issued by " + x509.getIssuerX500Principal().getName()
        + ", valid until " + x509.getNotAfter().toInstant();
  }

  /** Prefix of the fix for a run under CI with no token: the command line names its own flags after it. */
  public static final String CI_WITHOUT_A_TOKEN = "this looks like a CI run (";

  /**
   * What to do when no token was sent: sign in, or give one; under CI (which never signs in), the job's identity
   * token or a service-account token.
   */
  private static String noTokenFix(String ci) {
    return ci == null ? TunnelDialer.SIGN_IN_OR_GIVE_A_TOKEN : CI_WITHOUT_A_TOKEN + ci + " is set), which never "
        + "signs in: give the job's identity token (githubActionsOidcToken, bearerTokenFromEnvironment or "
        + "kubernetesServiceAccountToken) or a service-account token (tokenFile; JGIT_POMERIUM_TOKEN_FILE)";
  }

  /**
   * What to do when Pomerium rejected the token from {@code source}: a configured machine token is renewed or fixed
   * where it comes from (signing in does not help while one is configured: it is sent first); a cached sign-in is
   * renewed by signing in.
   */
  static String rejectedTokenFix(String source) {
    if (source == null || source.startsWith("the token cache")) {
      return "sign in again or renew the token";
    }
    if (source.startsWith("service-account token")) {
      return "renew the " + (source.endsWith("file") ? "token in the service-account token file" : "service-account "
          + "token") + ", or check that it was made for this Pomerium; signing in does not help while it is "
          + "configured";
    }
    if (source.equals("token command") || source.startsWith("the factory's own")) {
      return "check the token " + (source.startsWith("the") ? source : "the " + source) + " gives (Pomerium "
          + "rejected it); signing in does not help while it is configured";
    }
    return "check the token's issuer and audience against what the route accepts (Pomerium rejected the " + source
        + "); signing in does not help while it is configured";
  }

  /** A token (null: none) and where it came from (or where none was found). */
  private record Sent(PomeriumToken token, String source) {}

  /** The token a first attempt sends, as the token chain gives it without a sign-in. */
  private static Sent token(Steps steps, long start, Route route, FactoryRuntime runtime, String ci)
      throws PomeriumException {
    TokenRequest request = TokenRequest.initial(route);
    PomeriumToken token;
    String source;
    try {
      if (runtime.tokenSource() instanceof TokenChain chain) {
        TokenChain.Found found = chain.withoutSignIn(request);
        token = found.token();
        source = found.source().equals("token cache") ? "the token cache (" + runtime.tokenStore().location() + ")"
            : found.source();
      } else {
        token = runtime.tokenSource().token(request);
        source = "the factory's own TokenSource";
      }
    } catch (IOException e) {
      throw Failures.tokenUnavailable(route, e);
    } catch (RuntimeException e) {
      throw Failures.tokenUnavailable(route, new IOException(e.toString(), e));
    }
    if (token == null) {
      steps.add(Check.TOKEN, Outcome.WARNING, start, List.of("no token: none from " + source
          + "; the doctor does not sign in, and goes on without one to show what Pomerium answers"), null,
          noTokenFix(ci));
      return new Sent(null, source);
    }
    List<String> details = new ArrayList<>();
    details.add("from " + source + ", sent as Authorization: "
        + (token.scheme() == PomeriumToken.Scheme.BEARER ? "Bearer" : "Pomerium"));
    Optional<Instant> expiry = Jwts.expiry(token.value());
    Instant now = Instant.now();
    if (expiry.isEmpty()) {
      details.add("no expiry in it (not a JWT with an exp claim): Pomerium decides how long it is valid");
    } else if (expiry.get().isBefore(now)) {
      details.add("expired at " + expiry.get());
      steps.add(Check.TOKEN, Outcome.WARNING, start, details, null, source.startsWith("the token cache")
          ? "renew the token, or sign in again" : "renew the token (" + source + ")");
      return new Sent(token, source);
    } else {
      details.add("expires at " + expiry.get() + ", in " + humane(Duration.between(now, expiry.get())));
    }
    steps.add(Check.TOKEN, Outcome.PASSED, start, details, null, null);
    return new Sent(token, source);
  }

  private static String humane(Duration d) {
    if (d.toDays() > 1) {
      return d.toDays() + " days";
    }
    return d.toHours() > 1 ? d.toHours() + " h" : d.toMinutes() + " min";
  }

  private static void directly(Steps steps, SshConfig.HostEntry entry, SshConfig.Value jump) {
    steps.notApplicable(Check.PROXY, "a direct SSH connection takes the JVM's proxy settings, as stock JGit does");
    if (jump != null) {
      String why = "reached through the jump host " + jump.raw() + ", which JGit connects to itself";
      steps.notApplicable(Check.DNS, why);
      steps.notApplicable(Check.TCP, why);
      steps.notApplicable(Check.TLS, "no Pomerium on this connection's way");
      steps.notApplicable(Check.TOKEN, "no Pomerium on this connection's way");
      steps.notApplicable(Check.CONNECT, "no Pomerium on this connection's way");
      steps.notApplicable(Check.SSH_BANNER, why);
      return;
    }
    String host = entry.host();
    int port = entry.port();
    long start = System.nanoTime();
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
      steps.passed(Check.DNS, start, List.of(host + ": " + Arrays.stream(addresses)
          .map(InetAddress::getHostAddress).collect(Collectors.joining(", "))));
    } catch (UnknownHostException e) {
      steps.failed(Check.DNS, start, List.of(), new IOException(Failures.sshConnectFailure(e, host, port), e),
          "check the host name (and HostName in ssh config), or route the host through Pomerium");
      return;
    }
    start = System.nanoTime();
    Socket socket = new Socket();
    try {
      try {
        socket.connect(new InetSocketAddress(addresses[0], port), 10_000);
      } catch (IOException e) {
        String message = Failures.sshConnectFailure(e, host, port);
        steps.failed(Check.TCP, start, List.of(), new IOException(message != null ? message
            : "connect to host " + host + " port " + port + ": " + e.getMessage(), e),
            "check the host and port, and that this machine may reach it");
        return;
      }
      steps.passed(Check.TCP, start, List.of("connected to " + address(socket)));
      steps.notApplicable(Check.TLS, "no Pomerium on this connection's way");
      steps.notApplicable(Check.TOKEN, "no Pomerium on this connection's way");
      steps.notApplicable(Check.CONNECT, "no Pomerium on this connection's way");
      banner(steps, System.nanoTime(), socket, Duration.ofSeconds(10), Authorities.asOpenSshWritesIt(host, port));
    } finally {
      Sockets.closeQuietly(socket);
    }
  }

  private static String address(Socket socket) {
    java.net.SocketAddress remote = socket.getRemoteSocketAddress();
    return remote instanceof InetSocketAddress inet
        ? Authorities.asOpenSshWritesIt(inet.getAddress().getHostAddress(), inet.getPort()) : String.valueOf(remote);
  }

  /**
   * The server's identification string (RFC 4253 4.2: lines before it that do not start with {@code SSH-} may
   * come first), read within {@code timeout} and {@link #MAX_BANNER_BYTES}.
   */
  private static void banner(Steps steps, long start, Socket socket, Duration timeout, String server) {
    List<String> before = new ArrayList<>();
    try {
      socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int total = 0;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (total < MAX_BANNER_BYTES) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException();
        }
        socket.setSoTimeout(Math.max(1, Math.toIntExact(Duration.ofNanos(left).toMillis())));
        int b = in.read();
        if (b < 0) {
          steps.failed(Check.SSH_BANNER, start, before, new IOException(server + " closed the connection before "
              + "sending its SSH identification"), "check that the route leads to an SSH server that is up");
          return;
        }
        total++;
        if (b != '\n') {
          line.write(b);
          continue;
        }
        String text = printable(line.toString(StandardCharsets.ISO_8859_1).replaceFirst("\r$", ""));
        line.reset();
        if (text.startsWith("SSH-")) {
          List<String> details = new ArrayList<>(before);
          details.add(text);
          steps.passed(Check.SSH_BANNER, start, details);
          return;
        }
        before.add("before it: " + text);
      }
      steps.failed(Check.SSH_BANNER, start, before, new IOException(server + " sent " + MAX_BANNER_BYTES
          + " bytes without an SSH identification line"), "check that the route leads to an SSH server");
    } catch (SocketTimeoutException e) {
      steps.failed(Check.SSH_BANNER, start, before, new IOException(server + " sent no SSH identification within "
          + timeout.toMillis() + " ms", e), "check that the route leads to an SSH server that is up");
    } catch (IOException e) {
      steps.failed(Check.SSH_BANNER, start, before, new IOException("reading the SSH identification of " + server
          + " failed: " + e.getMessage(), e), "check that the route leads to an SSH server that is up");
    }
  }

  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(255).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    return out.toString();
  }

  private void hostKey(Steps steps, SshConfig.HostEntry entry, Target target) {
    if (steps.hasFailed()) {
      steps.skipped(Check.HOST_KEY);
      return;
    }
    long start = System.nanoTime();
    KnownHosts.Check check;
    try {
      // A probe through Pomerium opens a tunnel of its own: should Pomerium turn it away, it fails, never signs in.
      check = TokenChain.noSignInDuring(() -> hostKeys.probe(target.host(), target.port()));
    } catch (IOException e) {
      steps.failed(Check.HOST_KEY, start, List.of(), e, "see why the server could not be reached");
      return;
    }
    List<String> details = new ArrayList<>();
    String type = KnownHosts.type(check.key());
    String fingerprint = KnownHosts.fingerprint(check.key());
    String where = check.file() == null ? "" : check.file() + ":" + check.line();
    details.add("the server offered " + (check.ca() ? "a host certificate signed by the " + type + " CA key "
        : "the " + type + " key ") + fingerprint + ", looked up as " + check.name());
    switch (check.verdict()) {
      case MATCHED -> {
        details.add("Host '" + check.name() + "' is known and matches the " + type
            + (check.ca() ? " CA key (@cert-authority)" : " host key") + ". Found key in " + where);
        steps.passed(Check.HOST_KEY, start, details);
      }
      case UNKNOWN -> {
        if (check.refusal() == null) {
          details.add("No " + type + " host key is known for " + check.name() + "; StrictHostKeyChecking "
              + (check.strict() == StrictHostKeyChecking.ACCEPT_NEW ? "accept-new" : "no") + " adds it to "
              + (check.file() == null ? "known_hosts" : check.file().toString()) + " at the first connection");
          steps.add(Check.HOST_KEY, Outcome.WARNING, start, details, null,
              "check the fingerprint with the server's administrator");
        } else {
          details.add(check.refusal().getMessage().lines().findFirst().orElse(""));
          steps.failed(Check.HOST_KEY, start, details, check.refusal(), "check the fingerprint " + fingerprint
              + " with the server's administrator, then add the key to "
              + (check.file() == null ? "~/.ssh/known_hosts" : check.file().toString())
              + " (scanHostKeys(\"" + keyscanTarget(entry) + "\", 0) gives its line)");
        }
      }
      case CHANGED -> {
        details.add("REMOTE HOST IDENTIFICATION HAS CHANGED: another " + type + " key is known for " + check.name()
            + " (offending key in " + where + ")");
        hostKeyRefused(steps, start, details, check, "if the change is expected (ask the server's administrator), "
            + "remove the old key: ssh-keygen -f '" + check.file() + "' -R '" + check.name() + "'");
      }
      case REVOKED -> {
        details.add("REVOKED HOST KEY DETECTED: the " + type + " key is marked @revoked in " + where);
        hostKeyRefused(steps, start, details, check, "do not connect: tell the server's administrator");
      }
      default -> throw new IllegalStateException(check.verdict().toString());
    }
  }

  private static void hostKeyRefused(Steps steps, long start, List<String> details, KnownHosts.Check check,
      String fix) {
    if (check.refusal() == null) {
      details.add("StrictHostKeyChecking no: a connection goes on anyway, with OpenSSH's warning");
      steps.add(Check.HOST_KEY, Outcome.WARNING, start, details, null, fix);
    } else {
      steps.failed(Check.HOST_KEY, start, details, check.refusal(), fix);
    }
  }

  private static String keyscanTarget(SshConfig.HostEntry entry) {
    return entry.port() == 22 ? entry.originalHost() : Authorities.asOpenSshWritesIt(entry.originalHost(),
        entry.port());
  }

  /** The steps so far; once one fails, the rest are skipped. */
  private static final class Steps {
    private final List<Diagnosis.Step> steps = new ArrayList<>();

    boolean hasFailed() {
      return steps.stream().anyMatch(Diagnosis.Step::failed);
    }

    void passed(Check check, long start, List<String> details) {
      add(check, Outcome.PASSED, start, details, null, null);
    }

    void failed(Check check, long start, List<String> details, Exception failure, String fix) {
      List<String> all = new ArrayList<>(details);
      if (failure != null && failure.getMessage() != null && details.isEmpty()) {
        all.add(failure instanceof PomeriumException p ? p.what()
            : failure.getMessage().lines().findFirst().orElse(""));
      }
      add(check, Outcome.FAILED, start, all, failure, fix);
    }

    /** Takes back the step for {@code check} and every later one; returns the details it had. */
    List<String> retract(Check check) {
      List<String> details = steps.stream().filter(s -> s.check() == check).findFirst()
          .map(Diagnosis.Step::details).orElse(List.of());
      steps.removeIf(s -> s.check().ordinal() >= check.ordinal());
      return details;
    }

    void notApplicable(Check check, String why) {
      steps.add(new Diagnosis.Step(check, Outcome.NOT_APPLICABLE, Duration.ZERO, List.of(why), Optional.empty(),
          Optional.empty()));
    }

    void skipped(Check check) {
      steps.add(new Diagnosis.Step(check, Outcome.SKIPPED, Duration.ZERO, List.of(), Optional.empty(),
          Optional.empty()));
    }

    void add(Check check, Outcome outcome, long start, List<String> details, Exception failure, String fix) {
      steps.add(new Diagnosis.Step(check, outcome, Duration.ofNanos(System.nanoTime() - start), details,
          Optional.ofNullable(failure), Optional.ofNullable(fix)));
    }

    /** Every step, in the order of {@link Check}; those never reached are skipped. */
    Diagnosis diagnosis(Target target) {
      List<Diagnosis.Step> all = new ArrayList<>();
      for (Check check : Check.values()) {
        all.add(steps.stream().filter(s -> s.check() == check).findFirst().orElseGet(() ->
            new Diagnosis.Step(check, Outcome.SKIPPED, Duration.ZERO, List.of(), Optional.empty(),
                Optional.empty())));
      }
      return new Diagnosis(target.toString(), all);
    }
  }
}
