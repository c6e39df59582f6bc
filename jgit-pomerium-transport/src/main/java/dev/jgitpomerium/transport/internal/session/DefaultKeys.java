package dev.jgitpomerium.transport.internal.session;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.keyprovider.AbstractResourceKeyPairProvider;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.SessionContext;

/**
 * JGit's default keys ({@code ~/.ssh/id_*}), offered as OpenSSH offers them: only to a host whose ssh config names no
 * {@code IdentityFile} (JGit would offer them after the configured ones). JGit asks for them before it looks the host
 * up, so the answer is given when the keys are first tried. A resource key provider, as JGit's own is: JGit hands
 * those the passphrase prompts, and this hands them on.
 */
public final class DefaultKeys extends AbstractResourceKeyPairProvider<Path> implements Iterable<KeyPair> {
  private final Iterable<KeyPair> keys;
  private final SessionLookups session;

  public DefaultKeys(Iterable<KeyPair> keys, SessionLookups session) {
    this.keys = keys;
    this.session = session;
  }

  @Override
  public void setPasswordFinder(FilePasswordProvider passwordFinder) {
    super.setPasswordFinder(passwordFinder);
    if (keys instanceof AbstractResourceKeyPairProvider<?> provider) {
      provider.setPasswordFinder(passwordFinder);
    }
  }

  @Override
  public Iterator<KeyPair> iterator() {
    return session.targetNamesIdentityFiles() ? Collections.emptyIterator() : keys.iterator();
  }

  /** As JGit's own provider, with the session (its passphrase prompts are counted per session). */
  @Override
  public Iterable<KeyPair> loadKeys(SessionContext context) throws IOException, GeneralSecurityException {
    if (session.targetNamesIdentityFiles()) {
      return List.of();
    }
    return keys instanceof KeyIdentityProvider provider ? provider.loadKeys(context) : keys;
  }
}
