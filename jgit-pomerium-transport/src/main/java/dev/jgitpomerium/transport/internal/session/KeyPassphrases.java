package dev.jgitpomerium.transport.internal.session;

import dev.jgitpomerium.transport.KeyPassphraseException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.IdentityPasswordProvider;

/**
 * Passphrases for private keys, asked through JGit's {@link CredentialsProvider} as JGit's {@link
 * IdentityPasswordProvider} does, with OpenSSH's prompt ({@code Enter passphrase for key '/path/id_ed25519': }) as
 * the one password item, and OpenSSH's rule that an empty answer skips the key. A key that could not be decrypted
 * (nothing to ask, or the wrong passphrase every time) is noted in the factory's {@link Log}, so that a failed login
 * can say which key needed what.
 *
 * <p>With no CredentialsProvider, the factory has already put {@link Askpass} in its place where OpenSSH would use
 * {@code SSH_ASKPASS}; a null provider here means nothing could ask, and {@code whyNoWay} says what was missing.
 */
public final class KeyPassphrases extends IdentityPasswordProvider {
  private final Log log;
  private final CredentialsProvider provider;
  private final UnaryOperator<Path> keyFiles;
  private final Supplier<String> whyNoWay;

  /**
   * @param keyFiles the private key file behind an identity JGit loads: a certificate's key, which is what the user
   *     knows the passphrase of and OpenSSH names
   * @param whyNoWay what was missing when {@code provider} is null, as a clause for the message (see {@link
   *     Askpass.Decision#why})
   */
  public KeyPassphrases(CredentialsProvider provider, Log log, UnaryOperator<Path> keyFiles,
      Supplier<String> whyNoWay) {
    super(provider);
    this.provider = provider;
    this.log = log;
    this.keyFiles = keyFiles;
    this.whyNoWay = whyNoWay;
  }

  /** OpenSSH's prompt for {@code key}. */
  public static String prompt(String key) {
    return "Enter passphrase for key '" + key + "': ";
  }

  @Override
  protected char[] getPassword(URIish uri, String message) {
    if (provider == null) {
      log.add(path(uri), KeyPassphraseException.Reason.NO_WAY_TO_ASK, 0, whyNoWay.get());
      return null;
    }
    CredentialItem.Password password = new CredentialItem.Password(prompt(path(uri).toString()));
    try {
      if (!provider.get(uri, password)) {
        cancelAuthentication();
        return null;
      }
      char[] value = password.getValue();
      // OpenSSH: an empty passphrase means "try the next key".
      return value == null || value.length == 0 ? null : value.clone();
    } finally {
      password.clear();
    }
  }

  @Override
  protected boolean keyLoaded(URIish uri, State state, char[] password, Exception err)
      throws IOException, GeneralSecurityException {
    if (err != null && password != null && state != null && state.getCount() >= getAttempts()) {
      log.add(path(uri), KeyPassphraseException.Reason.WRONG_PASSPHRASE, state.getCount(), null);
    }
    return super.keyLoaded(uri, state, password, err);
  }

  private Path path(URIish uri) {
    String path = uri.getPath() != null && uri.getScheme() == null && uri.getHost() == null ? uri.getPath()
        : uri.toString();
    return keyFiles.apply(Path.of(path));
  }

  /**
   * Keys that could not be decrypted, in the order met, each with a sequence number, so that a connection can collect
   * what happened since it started (sessions of one factory share it: the keys are the same files).
   */
  public static final class Log {
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Long, Entry> entries = new LinkedHashMap<>();

    private record Entry(Path key, KeyPassphraseException.Reason reason, int attempts, String why) {}

    /** A mark to pass to {@link #since}. */
    public long mark() {
      return sequence.get();
    }

    synchronized void add(Path key, KeyPassphraseException.Reason reason, int attempts, String why) {
      entries.put(sequence.incrementAndGet(), new Entry(key, reason, attempts, why));
      while (entries.size() > 64) {
        entries.remove(entries.keySet().iterator().next());
      }
    }

    /** What keeps the keys noted after {@code mark} from being used, as one exception; null if none was. */
    public synchronized KeyPassphraseException since(long mark) {
      List<Path> noWay = new ArrayList<>();
      List<Path> wrong = new ArrayList<>();
      int attempts = 0;
      String why = null;
      for (Map.Entry<Long, Entry> e : entries.entrySet()) {
        if (e.getKey() > mark) {
          Entry entry = e.getValue();
          List<Path> into = entry.reason() == KeyPassphraseException.Reason.NO_WAY_TO_ASK ? noWay : wrong;
          if (!into.contains(entry.key())) {
            into.add(entry.key());
          }
          attempts = Math.max(attempts, entry.attempts());
          why = why != null ? why : entry.why();
        }
      }
      if (!wrong.isEmpty()) {
        return new KeyPassphraseException(KeyPassphraseException.Reason.WRONG_PASSPHRASE, wrong, attempts,
            "the passphrase given for " + names(wrong) + " was wrong " + (attempts == 1 ? "once" : attempts
                + " times") + ", so " + (wrong.size() == 1 ? "that key" : "those keys") + " could not be used"
                + (noWay.isEmpty() ? "" : "; " + noWayToAsk(noWay, why)));
      }
      if (!noWay.isEmpty()) {
        return new KeyPassphraseException(KeyPassphraseException.Reason.NO_WAY_TO_ASK, noWay, 0,
            noWayToAsk(noWay, why));
      }
      return null;
    }

    private static String noWayToAsk(List<Path> keys, String why) {
      String first = keys.get(0).toString();
      boolean one = keys.size() == 1;
      return (one ? "the private key " : "the private keys ") + names(keys) + (one ? " is" : " are")
          + " passphrase-protected, and nothing here can ask for " + (one ? "its" : "their") + " passphrase: the JGit"
          + " command has no CredentialsProvider, " + (why != null ? why : "and nothing else can ask") + ". Add "
          + (one ? "it" : "them") + " to an ssh-agent (ssh-add " + first + "), set SSH_ASKPASS to a program that"
          + " prints the passphrase and SSH_ASKPASS_REQUIRE=force (or prefer, with a display), or, in a JGit program,"
          + " give the command a CredentialsProvider that answers the passphrase prompt";
    }

    private static String names(List<Path> keys) {
      List<String> quoted = new ArrayList<>();
      for (Path key : keys) {
        quoted.add(key.toString());
      }
      return String.join(", ", quoted);
    }
  }
}
