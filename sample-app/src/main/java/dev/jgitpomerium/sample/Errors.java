package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.HostKeyException;
import dev.jgitpomerium.transport.KeyPassphraseException;
import dev.jgitpomerium.transport.PomeriumException;
import dev.jgitpomerium.transport.PomeriumTlsException;
import dev.jgitpomerium.transport.ProxyCommandException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a failure into the one line a user reads on stderr, and its exit status. */
final class Errors {
  static final int FAILURE = 1;
  static final int USAGE = 2;
  private static final Pattern URI_PREFIX = Pattern.compile("^(ssh://\\S+|[\\w.-]+@[\\w.-]+:\\S*): ");

  private static final String LIBRARY_CA_ADVICE = "add that CA (addCaCertificates, or jgit.pomerium.caFile)";

  private Errors() {}

  /**
   * As {@link #describe(Throwable)}, without the ProxyCommand's standard error that this run has already passed
   * through ({@code shownLines}): OpenSSH shows it once, as it comes.
   */
  static String describe(Throwable failure, List<String> shownLines) {
    String message = describe(failure);
    ProxyCommandException proxy = ProxyCommandException.causeOf(failure).orElse(null);
    if (proxy != null && !proxy.standardError().isEmpty() && endsWith(shownLines, proxy.standardError())
        && message.endsWith(proxy.getMessage())) {
      // JGit's words around the library's failure stay; of the failure, only what failed.
      return message.substring(0, message.length() - proxy.getMessage().length()) + proxy.what();
    }
    return message;
  }

  private static boolean endsWith(List<String> lines, List<String> tail) {
    return lines.size() >= tail.size() && lines.subList(lines.size() - tail.size(), lines.size()).equals(tail);
  }

  static String describe(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof CliException) {
        return t.getMessage();
      }
    }
    // OpenSSH's own text for the case (unknown, changed, revoked host key; an undecryptable key), uncut.
    HostKeyException hostKey = HostKeyException.causeOf(failure);
    if (hostKey != null) {
      String what = switch (hostKey.kind()) {
        case UNKNOWN -> "is not known (it is in no known_hosts file)";
        case CHANGED -> "has changed";
        case REVOKED -> "is revoked";
      };
      return "the SSH host key of " + hostKey.host() + " " + what + ":\n" + hostKey.getMessage();
    }
    KeyPassphraseException passphrase = KeyPassphraseException.causeOf(failure);
    if (passphrase != null) {
      return hostOf(failure) + ": " + passphrase.getMessage();
    }
    PomeriumException pomerium = PomeriumException.causeOf(failure).orElse(null);
    if (pomerium instanceof PomeriumTlsException tls) {
      // The library's advice names its API; the command line's names its flag.
      return tls.what() + "; " + tlsFix(tls);
    }
    if (pomerium != null) {
      // The same for a private CA of an https:// proxy: the CA flag serves both.
      return pomerium.getMessage().replace(LIBRARY_CA_ADVICE, "pass that CA's certificate with --alternate-ca-path"
          + " <ca.pem>");
    }
    String message = String.valueOf(deepestMessage(failure));
    if (message.contains("Server key did not validate")) {
      return "the SSH host key of " + hostOf(failure) + " was not accepted (Host key verification failed)";
    }
    return message;
  }

  /** What to do about a failed TLS handshake with Pomerium, in the command line's flags. */
  static String tlsFix(PomeriumTlsException tls) {
    if (!tls.clientCertificateRefused()) {
      return "if Pomerium uses a private CA, pass its certificate with --alternate-ca-path <ca.pem>";
    }
    return tls.hint().orElse("").startsWith("renew")
        ? "renew the client certificate, or give the one Pomerium expects (--client-cert FILE --client-key FILE, "
            + "--client-cert-pkcs12 FILE, or --client-cert-from-store)"
        : "give one with --client-cert FILE --client-key FILE, --client-cert-pkcs12 FILE, or --client-cert-from-store";
  }

  static int exitCode(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof CliException cli) {
        return cli.usage() ? USAGE : FAILURE;
      }
    }
    return failure instanceof IllegalArgumentException ? USAGE : FAILURE;
  }

  /** The most specific message in the chain, without JGit's "uri: " prefixes repeated. */
  private static String deepestMessage(Throwable failure) {
    String message = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        message = t.getMessage();
        if (!(t instanceof org.eclipse.jgit.api.errors.GitAPIException)) {
          break;
        }
      }
    }
    return message == null ? failure.toString() : message;
  }

  private static String hostOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        Matcher m = URI_PREFIX.matcher(t.getMessage());
        if (m.find()) {
          return m.group(1);
        }
      }
    }
    return "the server";
  }
}
