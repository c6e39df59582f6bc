package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.session.AgentConnectors;
import dev.jgitpomerium.transport.internal.session.AgentKeys;
import dev.jgitpomerium.transport.internal.session.AuthenticationNotes;
import dev.jgitpomerium.transport.internal.session.ConnectionFailures;
import dev.jgitpomerium.transport.internal.session.UserCertificates;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.KeyCache;
import org.eclipse.jgit.transport.sshd.ProxyDataFactory;
import org.eclipse.jgit.transport.sshd.SshdSession;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.agent.ConnectorFactory;
import org.eclipse.jgit.util.FS;

/**
 * The user-key half of {@link PomeriumSshSessionFactory}, kept apart from the tunnel: ssh-agents without JNA (see
 * {@link AgentConnectors}), OpenSSH user certificates (see {@link UserCertificates}), and a login failure explained
 * with what was learned about the keys on the way (an agent
 * that could not be reached, an expired certificate), which JGit's own message leaves out.
 */
abstract class UserKeysSessionFactory extends SshdSessionFactory {
  private final UserCertificates certificates;

  /**
   * @param keyCache ignored: JGit's key cache is where certificates are paired with their keys (see
   *     {@link UserCertificates})
   */
  UserKeysSessionFactory(KeyCache keyCache, ProxyDataFactory proxies) {
    this(new UserCertificates(), proxies);
  }

  private UserKeysSessionFactory(UserCertificates certificates, ProxyDataFactory proxies) {
    super(certificates, proxies);
    this.certificates = certificates;
  }

  /** JGit's ssh config, with each host's user certificates among its IdentityFiles where OpenSSH offers them. */
  @Override
  protected SshConfigStore createSshConfigStore(File homeDir, File configFile, String localUserName) {
    return withUserCertificates(super.createSshConfigStore(homeDir, configFile, localUserName), configFile);
  }

  /** {@code store}, with each host's user certificates among its IdentityFiles where OpenSSH offers them. */
  final SshConfigStore withUserCertificates(SshConfigStore store, File configFile) {
    if (store == null || configFile == null) {
      return store;
    }
    File sshDirectory = configFile.getAbsoluteFile().getParentFile();
    return AgentKeys.decorate(certificates.decorate(store, () -> getDefaultIdentities(sshDirectory)));
  }

  /** The private key file behind an identity JGit loads: a certificate's key, else the identity itself. */
  final Path keyFileOf(Path identity) {
    return certificates.keyFileOf(identity);
  }

  /** JGit's default keys, each followed by its {@code -cert.pub} if there is one. */
  @Override
  protected List<Path> getDefaultIdentities(File sshDirectory) {
    return withCertificatesBeside(super.getDefaultIdentities(sshDirectory));
  }

  /** {@code keys}, each followed by its {@code -cert.pub} if there is one, as OpenSSH offers them. */
  final List<Path> withCertificatesBeside(List<Path> keys) {
    return certificates.withCertificatesBeside(keys);
  }

  /** Connects as JGit does; a refused login gets the notes collected while it was tried. */
  @Override
  public SshdSession getSession(URIish uri, CredentialsProvider credentialsProvider, FS fs, int timeoutMillis)
      throws TransportException {
    AuthenticationNotes notes = new AuthenticationNotes();
    try {
      return AuthenticationNotes.during(notes, () -> super.getSession(uri, credentialsProvider, fs, timeoutMillis));
    } catch (TransportException e) {
      throw explained(e, notes);
    }
  }

  private static TransportException explained(TransportException e, AuthenticationNotes notes) {
    if (notes.all().isEmpty() || !ConnectionFailures.isLoginRefused(e)) {
      return e;
    }
    String message = e.getMessage() + System.lineSeparator() + String.join(System.lineSeparator(), notes.all());
    TransportException explained = new TransportException(message, e.getCause());
    explained.setStackTrace(e.getStackTrace());
    return explained;
  }

  /** ssh-agents over the JDK's Unix-domain sockets; an application's own {@link ConnectorFactory} default wins. */
  @Override
  protected ConnectorFactory getConnectorFactory() {
    return AgentConnectors.forFactory(AuthenticationNotes.current());
  }
}
