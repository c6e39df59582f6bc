package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.Lazy;
import dev.jgitpomerium.transport.internal.LoopbackRelay;
import dev.jgitpomerium.transport.internal.Pem;
import dev.jgitpomerium.transport.internal.PomeriumProxyDataFactory;
import dev.jgitpomerium.transport.internal.Settings;
import dev.jgitpomerium.transport.internal.SystemConfiguration;
import dev.jgitpomerium.transport.internal.TlsSetup;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;

/**
 * JGit's Apache MINA SSH session factory, with connections to hosts behind Pomerium carried through an in-process
 * Pomerium TCP tunnel. Hosts that match no {@link Route} are connected exactly as stock JGit would (directly, or
 * through the JVM's proxy settings); keys, {@code known_hosts} and {@code ~/.ssh/config} work as usual, and host keys
 * are checked against the real host name.
 *
 * <p>Use it per command, JVM-wide, or with no code at all:
 *
 * <pre>{@code
 * PomeriumSshSessionFactory pomerium = PomeriumSshSessionFactory.builder()
 *     .route("git.corp.example.com:22")
 *     .pomeriumUrl("https://pomerium.corp.example.com")
 *     .tokenFile(Path.of("/run/secrets/pomerium-token"))
 *     .build();
 *
 * Git.cloneRepository().setURI("ssh://git@git.corp.example.com/group/project.git")
 *     .setTransportConfigCallback(pomerium)          // this command only
 *     .call();
 * SshSessionFactory.setInstance(pomerium);            // or every JGit SSH connection in this JVM
 * }</pre>
 *
 * <p>The public no-argument constructor is for {@link java.util.ServiceLoader}: this jar registers it as an {@link
 * SshSessionFactory}, and it reads its configuration from system properties and environment variables on first use
 * (the README lists them); with none set it behaves exactly like JGit's own factory.
 *
 * <p>Close the factory when done to end its tunnels and its loopback relay.
 */
public class PomeriumSshSessionFactory extends SshdSessionFactory implements TransportConfigCallback {
  /** How long a tunnel opened for JGit waits for JGit to claim it; JGit does so within milliseconds. */
  private static final Duration GRANT_TTL = Duration.ofSeconds(10);

  private final LoopbackRelay relay;

  /**
   * Reads its configuration lazily from system properties and environment variables ({@code jgit.pomerium.*} /
   * {@code JGIT_POMERIUM_*}, documented in the README). For {@link java.util.ServiceLoader}.
   */
  public PomeriumSshSessionFactory() {
    this(Lazy.of(() -> SystemConfiguration.fromSystem(builder()).settings()), null, null);
  }

  private PomeriumSshSessionFactory(Supplier<Settings> settings, File home, File sshDirectory) {
    this(settings, new LoopbackRelay(GRANT_TTL, () -> settings.get().listener()), home, sshDirectory);
  }

  private PomeriumSshSessionFactory(Supplier<Settings> settings, LoopbackRelay relay, File home,
      File sshDirectory) {
    super(null, new PomeriumProxyDataFactory(settings, relay));
    this.relay = relay;
    if (home != null) {
      setHomeDirectory(home);
    }
    if (sshDirectory != null) {
      setSshDirectory(sshDirectory);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Makes {@code transport} use this factory if it is an SSH transport; other transports are left alone. */
  @Override
  public void configure(Transport transport) {
    if (transport instanceof SshTransport ssh) {
      ssh.setSshSessionFactory(this);
    }
  }

  /** Ends every tunnel of this factory and stops its relay, then closes JGit's sessions. */
  @Override
  public void close() {
    relay.close();
    super.close();
  }

  /** Tunnels currently carrying SSH traffic. */
  public int activeTunnels() {
    return relay.activeTunnels();
  }

  /** Builds an immutable {@link PomeriumSshSessionFactory}; every setter checks its argument at once. */
  public static final class Builder {
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    private final List<String> routeSpecs = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private String pomeriumUrl;
    private TokenSource tokenSource = TokenSource.none();
    private final List<X509Certificate> extraCas = new ArrayList<>();
    private List<X509Certificate> clientChain;
    private PrivateKey clientKey;
    private boolean tlsVerificationDisabled;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration responseTimeout = Duration.ofSeconds(15);
    private PomeriumEventListener listener = PomeriumEventListener.NONE;
    private File homeDirectory;
    private File sshDirectory;

    private Builder() {}

    /**
     * Routes an SSH host through Pomerium, in one of pomerium-cli's forms ({@code host:port},
     * {@code tcp+https://host:port}, {@code tcp+https://pomerium-host[:port]/host:port}); see {@link Route}.
     */
    public Builder route(String spec) {
      Route.parse(spec);
      routeSpecs.add(spec);
      return this;
    }

    /** Routes an SSH host through an explicit endpoint; {@link #pomeriumUrl} does not change it. */
    public Builder route(Route route) {
      routes.add(Objects.requireNonNull(route, "route == null"));
      return this;
    }

    /**
     * The Pomerium URL for every route given as a string, as pomerium-cli's {@code --pomerium-url}: e.g.
     * {@code https://pomerium.corp.example.com} (port 443 unless given). Without it a route {@code host:port} goes
     * to {@code https://host:443}.
     */
    public Builder pomeriumUrl(String url) {
      PomeriumEndpoint.parse(url);
      this.pomeriumUrl = url;
      return this;
    }

    /** Where tokens come from; see {@link TokenSource}. Default: none. */
    public Builder tokenSource(TokenSource source) {
      this.tokenSource = Objects.requireNonNull(source, "tokenSource == null");
      return this;
    }

    /** A fixed Pomerium JWT, such as a service-account token. */
    public Builder token(String jwt) {
      return tokenSource(TokenSource.of(jwt));
    }

    /** A Pomerium JWT in a file, read again at every connect; see {@link TokenSource#fromFile}. */
    public Builder tokenFile(Path file) {
      return tokenSource(TokenSource.fromFile(file));
    }

    /** Trusts the CA certificates in a PEM file in addition to the JVM's own (pomerium-cli's {@code --alternate-ca-path}). */
    public Builder addCaCertificates(Path pemFile) {
      return addCaCertificatesPem(read(pemFile, "CA certificate file"), pemFile.toString());
    }

    /** Trusts the CA certificates in PEM text in addition to the JVM's own. */
    public Builder addCaCertificatesPem(String pem) {
      return addCaCertificatesPem(pem, "CA certificate PEM");
    }

    private Builder addCaCertificatesPem(String pem, String what) {
      try {
        extraCas.addAll(Pem.certificates(Objects.requireNonNull(pem, "pem == null")));
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use " + what + ": " + e.getMessage(), e);
      }
      return this;
    }

    /** Presents this client certificate (chain) and key when Pomerium asks for one (mTLS); both are PEM files. */
    public Builder clientCertificate(Path certificatePem, Path privateKeyPem) {
      String certs = read(certificatePem, "client certificate file");
      String key = read(privateKeyPem, "client key file");
      try {
        this.clientChain = Pem.certificates(certs);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use client certificate " + certificatePem + ": " + e.getMessage(),
            e);
      }
      try {
        this.clientKey = Pem.privateKey(key);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use client key " + privateKeyPem + ": " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * Accepts any certificate from Pomerium, without checking its CA or host name. Anyone on the network path can
     * then impersonate Pomerium and take the token; a warning is logged at every connection. For test set-ups only.
     */
    public Builder disableTlsVerification() {
      this.tlsVerificationDisabled = true;
      return this;
    }

    /** Bound on the TCP connect to Pomerium. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = checkTimeout(timeout, "connectTimeout");
      return this;
    }

    /** Bound on the TLS handshake plus Pomerium's whole answer to {@code CONNECT}. Default 15 s. */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = checkTimeout(timeout, "responseTimeout");
      return this;
    }

    public Builder eventListener(PomeriumEventListener listener) {
      this.listener = Objects.requireNonNull(listener, "eventListener == null");
      return this;
    }

    /** The home directory whose {@code .ssh} holds keys, known_hosts and config. Default: JGit's (the user's). */
    public Builder homeDirectory(File home) {
      this.homeDirectory = Objects.requireNonNull(home, "homeDirectory == null");
      return this;
    }

    /** The SSH directory. Default: {@code .ssh} in the home directory. */
    public Builder sshDirectory(File directory) {
      this.sshDirectory = Objects.requireNonNull(directory, "sshDirectory == null");
      return this;
    }

    /**
     * @throws IllegalStateException if no route was given
     */
    public PomeriumSshSessionFactory build() {
      Settings settings = settings();
      if (settings.routes().isEmpty()) {
        throw new IllegalStateException("no routes: name at least one SSH host behind Pomerium with route(...)");
      }
      return new PomeriumSshSessionFactory(() -> settings, homeDirectory, sshDirectory);
    }

    /** The settings without the at-least-one-route check; also used for the system-property configuration. */
    Settings settings() {
      List<Route> all = new ArrayList<>();
      for (String spec : routeSpecs) {
        all.add(Route.parse(spec, pomeriumUrl));
      }
      all.addAll(routes);
      TlsSetup tls;
      try {
        tls = TlsSetup.create(extraCas, clientChain, clientKey, tlsVerificationDisabled);
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
      }
      return new Settings(all, tokenSource, tls, connectTimeout, responseTimeout, listener);
    }

    private static Duration checkTimeout(Duration timeout, String name) {
      Objects.requireNonNull(timeout, name + " == null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + timeout);
      }
      if (timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(name + " too large (at most 10 minutes): " + timeout);
      }
      if (timeout.toMillis() < 1) {
        throw new IllegalArgumentException(name + " too small (at least 1 ms): " + timeout);
      }
      return timeout;
    }

    private static String read(Path file, String what) {
      Objects.requireNonNull(file, what + " == null");
      try {
        return Files.readString(file, StandardCharsets.ISO_8859_1);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + e, e);
      }
    }
  }
}
