package dev.jgitpomerium.transport.internal.session;

import static dev.jgitpomerium.transport.internal.session.KnownHosts.fingerprint;
import static dev.jgitpomerium.transport.internal.session.KnownHosts.sneaky;
import static dev.jgitpomerium.transport.internal.session.KnownHosts.type;

import dev.jgitpomerium.transport.HostKeyException;
import dev.jgitpomerium.transport.internal.session.KnownHostsFiles.Line;
import dev.jgitpomerium.transport.internal.session.KnownHostsFiles.Target;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenSSH's words about a host key, as ssh prints them: the refusal of a revoked and of a changed key (a warning when
 * StrictHostKeyChecking is off), the refusal of an unknown one with what to do, and the question whether to trust it.
 */
final class HostKeyMessages {
  /** {@link KnownHosts}' logger: the command line prints its warnings as OpenSSH's own lines. */
  private static final Logger log = LoggerFactory.getLogger(dev.jgitpomerium.transport.PomeriumLoggers.HOST_KEYS);
  /** What a host reached through a ProxyCommand shows as its address in OpenSSH's question. */
  private static final String NO_HOST_IP = "<no hostip for proxy command>";

  private HostKeyMessages() {}

  static boolean refuseRevoked(Target target, PublicKey key, Line line, Configuration config, boolean ca) {
    HostKeyException refusal = revoked(target, key, line, ca);
    if (config.getStrictHostKeyChecking() == Configuration.StrictHostKeyChecking.ACCEPT_ANY) {
      log.warn("{}\nStrictHostKeyChecking is off: connecting anyway, as OpenSSH does", warning(refusal));
      return true;
    }
    throw sneaky(refusal);
  }

  /** OpenSSH's warning of a refusal, without its last two lines (the strict-checking sentence and its verdict). */
  private static String warning(HostKeyException refusal) {
    List<String> lines = refusal.getMessage().lines().toList();
    return String.join("\n", lines.subList(0, lines.size() - 2));
  }

  /** OpenSSH's refusal of a revoked key (or of a certificate whose CA {@code ca} is revoked). */
  static HostKeyException revoked(Target target, PublicKey key, Line line, boolean ca) {
    String type = type(key);
    String message = String.join("\n",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@       WARNING: REVOKED HOST KEY DETECTED!               @",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "The " + type + (ca ? " certificate authority key" : " host key") + " for " + target.name()
            + " is marked as revoked.",
        "This could mean that a stolen key is being used to",
        "impersonate this host.",
        "The revoked key " + fingerprint(key) + " is marked @revoked in " + line.file() + ":" + line.number() + ".");
    return new HostKeyException(HostKeyException.Kind.REVOKED, target.name(), type, fingerprint(key), null,
        line.file(), line.number(), message + "\n" + type + " host key for " + target.name()
            + " was revoked and you have requested strict checking.\nHost key verification failed.");
  }

  static boolean refuseChanged(Target target, PublicKey key, Line line, Configuration config) {
    HostKeyException refusal = changed(target, key, line);
    if (config.getStrictHostKeyChecking() == Configuration.StrictHostKeyChecking.ACCEPT_ANY) {
      log.warn("{}\nStrictHostKeyChecking is off: connecting anyway, as OpenSSH does", warning(refusal));
      return true;
    }
    throw sneaky(refusal);
  }

  /** OpenSSH's refusal of a key that differs from the one known for the host ({@code line}). */
  static HostKeyException changed(Target target, PublicKey key, Line line) {
    String type = type(key);
    String known = fingerprint(line.key());
    String message = String.join("\n",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
        "Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
        "It is also possible that a host key has just been changed.",
        "The fingerprint for the " + type + " key sent by the remote host is",
        fingerprint(key) + ".",
        "The " + type(line.key()) + " key known for " + target.name() + " has the fingerprint",
        known + ".",
        "Please contact your system administrator.",
        "Add correct host key in " + line.file() + " to get rid of this message.",
        "Offending " + type(line.key()) + " key in " + line.file() + ":" + line.number(),
        "  remove with:",
        "  ssh-keygen -f '" + line.file() + "' -R '" + target.name() + "'");
    return new HostKeyException(HostKeyException.Kind.CHANGED, target.name(), type, fingerprint(key), known,
        line.file(), line.number(), message + "\nHost key for " + target.name()
            + " has changed and you have requested strict checking.\nHost key verification failed.");
  }

  /**
   * OpenSSH's question, through the CredentialsProvider: the messages, then a yes/no item whose prompt says a pasted
   * fingerprint is an answer too (the command line accepts one that matches the fingerprint shown).
   */
  static boolean ask(Target target, PublicKey key, List<Line> lines, CredentialsProvider provider) {
    List<CredentialItem> items = new ArrayList<>();
    items.add(new CredentialItem.InformationalMessage("The authenticity of host '" + target.name() + " ("
        + (target.ip() != null ? target.ip() : NO_HOST_IP) + ")' can't be established."));
    items.add(new CredentialItem.InformationalMessage(type(key) + " key fingerprint is " + fingerprint(key) + "."));
    List<String> others = new ArrayList<>();
    for (Line line : lines) {
      if (line.marker() == null && KeyUtils.compareKeys(line.key(), key)) {
        others.add("    " + line.file() + ":" + line.number() + ": " + line.hosts());
      }
    }
    if (others.isEmpty()) {
      items.add(new CredentialItem.InformationalMessage("This key is not known by any other names."));
    } else {
      items.add(new CredentialItem.InformationalMessage(
          "This host key is known by the following other names/addresses:\n" + String.join("\n", others)));
    }
    CredentialItem.YesNoType answer =
        new CredentialItem.YesNoType("Are you sure you want to continue connecting (yes/no/[fingerprint])? ");
    items.add(answer);
    URIish uri = new URIish().setHost(target.host()).setPort(target.port() == 22 ? -1 : target.port());
    CredentialItem[] asked = items.toArray(CredentialItem[]::new);
    try {
      return provider.get(uri, asked) && answer.getValue();
    } catch (org.eclipse.jgit.errors.UnsupportedCredentialItem e) {
      // A provider for passwords only (UsernamePasswordCredentialsProvider) cannot answer: as if it had said no.
      log.debug("the CredentialsProvider cannot ask about the host key of {}: {}", target.name(), e.getMessage());
      return false;
    }
  }

  static HostKeyException unknownHost(Target target, PublicKey key, Path file, List<Line> lines, String first) {
    StringBuilder message = new StringBuilder(first).append('\n');
    message.append("The server offered the ").append(type(key)).append(" key ").append(fingerprint(key)).append('.');
    for (Line line : lines) {
      if (line.marker() == null && line.matches(target)) {
        message.append("\nknown_hosts has a ").append(type(line.key())).append(" key for ").append(target.name())
            .append(" (").append(line.file()).append(':').append(line.number())
            .append("), but the server did not offer that type.");
      }
    }
    String where = file != null ? file.toString() : "~/.ssh/known_hosts";
    // The host as the URL gives it (an IPv6 literal with a port bracketed, as keyscan reads it), not a HostKeyAlias:
    // keyscan follows its ssh config to the server and records the key under the alias.
    message.append("\nTo trust it, check that fingerprint with the server's administrator, then add the key to ")
        .append(where).append(": ");
    if (target.alias()) {
      // ssh-keyscan reads no ssh config: it would record the key under the server's name, not the HostKeyAlias.
      message.append("`java -jar jgit-pomerium.jar keyscan ").append(target.scanAs()).append(" >> ").append(where)
          .append("` (it records the key under the HostKeyAlias ").append(target.host()).append(')');
    } else {
      message.append("for a host behind Pomerium `java -jar jgit-pomerium.jar keyscan ").append(target.scanAs())
          .append(" >> ").append(where).append("`, otherwise `ssh-keyscan ")
          .append(target.port() == 22 ? "" : "-p " + target.port() + " ").append(target.host()).append(" >> ")
          .append(where).append('`');
    }
    message.append("; or connect once with StrictHostKeyChecking accept-new (in ~/.ssh/config), or "
        + "interactively (on the jgit-pomerium command line's terminal, or through SSH_ASKPASS with "
        + "SSH_ASKPASS_REQUIRE=force).\nHost key verification failed.");
    return new HostKeyException(HostKeyException.Kind.UNKNOWN, target.name(), type(key), fingerprint(key), null, file,
        0, message.toString());
  }

  static String describe(List<Path> files) {
    return files.isEmpty() ? "any known_hosts file" : files.size() == 1 ? files.get(0).toString()
        : files.toString();
  }
}
