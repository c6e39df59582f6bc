package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.internal.config.Compatibility;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshConstants;
import org.eclipse.jgit.util.SystemReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which ssh-agent keys a connection offers, the same on every supported JGit. JGit before 7.5 offers every agent key
 * when {@code IdentitiesOnly yes} names no key it can read (7.5 and OpenSSH offer none of them), and offers agent keys
 * in the agent's order rather than the {@code IdentityFile}'s first.
 *
 * <p>The first is fixed here for every version: such a host gets {@code IdentityAgent none}, which every JGit honours
 * and which is what 7.5 does. The second cannot be, as JGit orders the keys after it asked the agent: on JGit before
 * 7.5 it is logged (see {@link Compatibility#ordersAgentKeysByIdentityFile}).
 */
public final class AgentKeys {
  private static final Logger log = LoggerFactory.getLogger(AgentKeys.class);
  /** Hosts already warned about the agent's order: once per JVM each. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private AgentKeys() {}

  /** {@code store}, whose hosts offer the agent keys OpenSSH and JGit 7.5 offer. */
  public static SshConfigStore decorate(SshConfigStore store) {
    return new SshConfigStore() {
      @Override
      public HostConfig lookup(String hostName, int port, String userName) {
        return restricted(store.lookup(hostName, port, userName), hostName);
      }

      @Override
      public HostConfig lookupDefault(String hostName, int port, String userName) {
        return restricted(store.lookupDefault(hostName, port, userName), hostName);
      }
    };
  }

  /** {@code host}, with {@code IdentityAgent none} when {@code IdentitiesOnly yes} leaves no agent key to offer. */
  static SshConfigStore.HostConfig restricted(SshConfigStore.HostConfig host, String alias) {
    if (host == null || !usesAgent(host)) {
      return host;
    }
    boolean identitiesOnly = flag(host.getValue(SshConstants.IDENTITIES_ONLY));
    boolean explicitKeys = hasExplicitKey(host.getValues(SshConstants.IDENTITY_FILE));
    if (identitiesOnly && !explicitKeys) {
      log.debug("{}: IdentitiesOnly yes and no IdentityFile with a public key: no ssh-agent key is offered", alias);
      return withoutAgent(host);
    }
    if (!identitiesOnly && explicitKeys && !Compatibility.running().ordersAgentKeysByIdentityFile()
        && WARNED.add(alias.toLowerCase(Locale.ROOT))) {
      Compatibility running = Compatibility.running();
      log.warn("{}: {} offers the ssh-agent's keys in the agent's order, not the IdentityFile's key first as OpenSSH "
          + "does (JGit 7.5 and later do too): another agent key may log in first. Set IdentitiesOnly yes for this "
          + "host, or use JGit 7.5 or later", alias, "JGit " + running.jgitSsh());
    }
    return host;
  }

  /** An agent may be asked: ssh config does not say {@code IdentityAgent none}, and there is one to ask. */
  private static boolean usesAgent(SshConfigStore.HostConfig host) {
    String agent = host.getValue(SshConstants.IDENTITY_AGENT);
    if (agent != null) {
      return !agent.equals(SshConstants.NONE);
    }
    String socket = SystemReader.getInstance().getenv("SSH_AUTH_SOCK");
    return socket != null && !socket.isEmpty();
  }

  /** JGit's reading of a yes/no value. */
  private static boolean flag(String value) {
    return SshConstants.YES.equals(value) || SshConstants.ON.equals(value) || SshConstants.TRUE.equals(value);
  }

  /**
   * Whether JGit finds a public key among {@code identityFiles} to match agent keys against: the file itself if it is
   * one, else the {@code .pub} beside it, as JGit reads them.
   */
  private static boolean hasExplicitKey(List<String> identityFiles) {
    if (identityFiles == null) {
      return false;
    }
    for (String file : identityFiles) {
      if (isPublicKey(file) || (!file.endsWith(".pub") && isPublicKey(file + ".pub"))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isPublicKey(String file) {
    try {
      Path path = Path.of(file);
      return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && KeyUtils.loadPublicKey(path) != null;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      return false; // JGit cannot read it either
    }
  }

  private static SshConfigStore.HostConfig withoutAgent(SshConfigStore.HostConfig host) {
    return new SshConfigStore.HostConfig() {
      @Override
      public String getValue(String key) {
        return key.equalsIgnoreCase(SshConstants.IDENTITY_AGENT) ? SshConstants.NONE : host.getValue(key);
      }

      @Override
      public List<String> getValues(String key) {
        return key.equalsIgnoreCase(SshConstants.IDENTITY_AGENT) ? List.of(SshConstants.NONE) : host.getValues(key);
      }

      @Override
      public Map<String, String> getOptions() {
        Map<String, String> all = new LinkedHashMap<>(host.getOptions());
        all.keySet().removeIf(k -> k.equalsIgnoreCase(SshConstants.IDENTITY_AGENT));
        all.put(SshConstants.IDENTITY_AGENT, SshConstants.NONE);
        return all;
      }

      @Override
      public Map<String, List<String>> getMultiValuedOptions() {
        return host.getMultiValuedOptions();
      }
    };
  }
}
