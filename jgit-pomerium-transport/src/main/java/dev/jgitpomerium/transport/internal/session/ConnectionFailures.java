package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.HostKeyException;
import dev.jgitpomerium.transport.KeyPassphraseException;
import dev.jgitpomerium.transport.PomeriumException;
import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.Ipv6Literals;
import dev.jgitpomerium.transport.internal.config.Compatibility;
import dev.jgitpomerium.transport.internal.routing.Router;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig;
import dev.jgitpomerium.transport.internal.tunnel.Failures;
import java.io.IOException;
import java.util.List;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;

/**
 * Turns JGit's failure to open a session into one that says why as OpenSSH would: a refused host key (unknown,
 * changed, revoked), a login that failed while a passphrase-protected key could not be decrypted, a host that could
 * not be reached directly (JGit shows sshd's {@code DefaultConnectFuture[...]: Failed (...)} there), or a JGit or
 * sshd version that lacks what this library uses.
 */
public final class ConnectionFailures {
  private final Router router;
  private final KeyPassphrases.Log passphrases;

  /** @param passphrases the keys that could not be decrypted, for the message of a login that fails */
  public ConnectionFailures(Router router, KeyPassphrases.Log passphrases) {
    this.router = router;
    this.passphrases = passphrases;
  }

  /**
   * Opens a session with {@code opener}, explaining its failure.
   *
   * @param lookups the ssh config entries JGit looked up for this session, the target's first
   */
  public SshdSession explain(URIish uri, SessionLookups lookups,
      SessionLookups.Opener<SshdSession, TransportException> opener) throws TransportException {
    long mark = passphrases.mark();
    try {
      return opener.open();
    } catch (LinkageError e) {
      throw new TransportException(uri, Compatibility.running().incompatible(e).getMessage(), e);
    } catch (TransportException e) {
      LinkageError linkage = Compatibility.linkageErrorIn(e);
      if (linkage != null) {
        throw new TransportException(uri, Compatibility.running().incompatible(linkage).getMessage(), e);
      }
      HostKeyException hostKey = HostKeyException.causeOf(e);
      if (hostKey != null) {
        throw new TransportException(uri, hostKey.getMessage(), hostKey);
      }
      KeyPassphraseException passphrase = passphrases.since(mark);
      if (passphrase != null && isLoginRefused(e)) {
        passphrase.initCause(e);
        throw new TransportException(uri, passphrase.getMessage(), passphrase);
      }
      String unreachable = directConnectFailure(e, lookups.entries(), uri.getHost(), uri.getPort());
      if (unreachable != null) {
        throw new TransportException(uri, unreachable, e);
      }
      throw e;
    }
  }

  /** JGit's "Cannot log in" (SSH_MSG_DISCONNECT: no more authentication methods available). */
  public static boolean isLoginRefused(Throwable e) {
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof SshException ssh
          && ssh.getDisconnectCode() == SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE) {
        return true;
      }
    }
    return false;
  }

  /**
   * OpenSSH's words for a failed connection from here (see {@link Failures#sshConnectFailure}), naming the host JGit
   * connected to directly, or null if the failure is not that or that host is reached through a proxy. JGit looks the
   * target up first, then each jump host just before connecting to it (SshdSession.connect, recursively), and only the
   * last one looked up is connected to over TCP: the rest are reached through it. So with a ProxyJump a refused or
   * unresolvable connection is a jump host's, never the target's, and is named as OpenSSH names it. (With several
   * jump hosts JGit connects to the last one listed first, OpenSSH to the first one: the host named is the one JGit
   * tried.)
   *
   * @param lookups the ssh config entries JGit looked up for the connection, in that order (empty without ssh config)
   * @param host the host as in the URI, for when there is no ssh config
   * @param port the port as in the URI, or a negative number or 0 for 22
   */
  private String directConnectFailure(Throwable failure, List<SshConfig.HostEntry> lookups, String host, int port) {
    SshConfig.HostEntry direct = lookups.isEmpty() ? null : lookups.get(lookups.size() - 1);
    String directHost = direct == null ? host : direct.host();
    int directPort = direct == null ? (port > 0 ? port : 22) : direct.port();
    return router.proxied(directHost, directPort) ? null
        : Failures.sshConnectFailure(failure, directHost, directPort);
  }

  /**
   * Why a host-key scan got no key, naming the host and port connected to (after ssh config) as OpenSSH does, not
   * JGit's URI with the scan's internal user name.
   */
  public IOException scanFailed(String host, int port, String user, TransportException failure,
      SessionLookups lookups) {
    SshConfigException config = causeOf(failure, SshConfigException.class);
    if (config != null) {
      return config;
    }
    // Not reached at all: OpenSSH's words, which name the host and port connected to (a jump host's, if any).
    String unreachable = failure == null ? null : directConnectFailure(failure, lookups.entries(), host, port);
    if (unreachable != null) {
      return new TransportException("cannot fetch the host keys of " + host + ": " + unreachable, failure);
    }
    String where;
    try {
      SshConfig.HostEntry entry = router.resolve(host, port, null).entry();
      String target = "host " + entry.host() + " port " + entry.port();
      where = Ipv6Literals.normalizeHost(entry.host()).equals(Ipv6Literals.normalizeHost(host)) ? target
          : host + " (" + target + ")";
    } catch (SshConfigException e) {
      return e;
    }
    PomeriumException pomerium = causeOf(failure, PomeriumException.class);
    String why = pomerium != null ? pomerium.getMessage() : deepestMessage(failure);
    String message = "cannot fetch the host keys of " + where + ": "
        + (why == null ? "no host key was offered" : why.replace(user + "@", ""));
    return new TransportException(message, failure);
  }

  private static <T extends Throwable> T causeOf(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static String deepestMessage(Throwable failure) {
    String message = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      message = t.getMessage() != null ? t.getMessage() : message;
    }
    return message;
  }
}
