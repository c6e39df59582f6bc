package dev.jgitpomerium.transport.internal.session;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshConstants;
import org.eclipse.jgit.transport.sshd.KeyCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenSSH user certificates for JGit, which reads {@code CertificateFile} and ignores it, and never looks for {@code
 * <key>-cert.pub}. MINA sshd can log in with a certificate (a key pair whose public half is an {@link
 * OpenSshCertificate}); what is missing is offering one. JGit gives no hook on the keys a session offers, so:
 *
 * <ul>
 *   <li>the certificates go into the host's {@code IdentityFile} list where OpenSSH offers them: {@code
 *       CertificateFile}s first, and then no {@code -cert.pub} beside keys; otherwise each key's {@code -cert.pub}
 *       right after the key (see {@link #decorate}, and {@link #withCertificatesBeside} for default keys);
 *   <li>JGit loads every identity file through its {@link KeyCache}, which this is: for a certificate it loads the
 *       matching private key (with JGit's own loader, so passphrases are asked as for the key) and pairs the two.
 * </ul>
 *
 * Other keys pass through as if there were no cache. A key that backs a certificate is held for two minutes, so that a
 * passphrase is asked once per connection, not once for the key and once for its certificate.
 */
public final class UserCertificates implements KeyCache {
  private static final Logger log = LoggerFactory.getLogger(UserCertificates.class);
  private static final long HOLD_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
  private static final String CERTIFICATE_SUFFIX = "-cert.pub";

  /** Certificate file to the private key file it was matched with. */
  private final Map<Path, Path> keyOfCertificate = new ConcurrentHashMap<>();
  private final Map<Path, Held> held = new ConcurrentHashMap<>();

  private record Held(KeyPair key, long until) {}

  /**
   * {@code identities} (private key files) each followed by its {@code -cert.pub}, if there is one: OpenSSH's default
   * for keys without {@code CertificateFile}.
   */
  public List<Path> withCertificatesBeside(List<Path> identities) {
    List<Path> result = new ArrayList<>();
    AuthenticationNotes notes = AuthenticationNotes.current();
    for (Path key : identities) {
      if (keyOfCertificate.containsKey(key)) {
        continue;
      }
      result.add(key);
      Path certificate = Path.of(key + CERTIFICATE_SUFFIX);
      if (Files.isRegularFile(certificate) && usable(certificate, notes) != null) {
        keyOfCertificate.put(certificate, key);
        result.add(certificate);
      }
    }
    return result;
  }

  /**
   * JGit's ssh config with each host's certificates added to its {@code IdentityFile}s, as OpenSSH offers them.
   * {@code defaultIdentities} are the keys a {@code CertificateFile} may belong to besides the host's IdentityFiles.
   */
  public SshConfigStore decorate(SshConfigStore store, Supplier<List<Path>> defaultIdentities) {
    return new SshConfigStore() {
      @Override
      public HostConfig lookup(String hostName, int port, String userName) {
        return withCertificates(store.lookup(hostName, port, userName), defaultIdentities);
      }

      @Override
      public HostConfig lookupDefault(String hostName, int port, String userName) {
        return withCertificates(store.lookupDefault(hostName, port, userName), defaultIdentities);
      }
    };
  }

  private SshConfigStore.HostConfig withCertificates(SshConfigStore.HostConfig host,
      Supplier<List<Path>> defaultIdentities) {
    List<String> identityFiles = host.getValues(SshConstants.IDENTITY_FILE);
    List<String> certificateFiles = host.getValues(SshConstants.CERTIFICATE_FILE);
    identityFiles = identityFiles == null ? List.of() : identityFiles;
    certificateFiles = certificateFiles == null ? List.of() : certificateFiles;
    if (identityFiles.isEmpty() && certificateFiles.isEmpty()) {
      return host;
    }
    List<String> identities = new ArrayList<>();
    if (certificateFiles.isEmpty()) {
      for (Path path : withCertificatesBeside(paths(identityFiles))) {
        identities.add(path.toString());
      }
    } else {
      List<Path> candidates = new ArrayList<>(paths(identityFiles));
      defaultIdentities.get().stream().filter(p -> !keyOfCertificate.containsKey(p)).forEach(candidates::add);
      AuthenticationNotes notes = AuthenticationNotes.current();
      for (Path certificate : paths(certificateFiles)) {
        OpenSshCertificate parsed = Files.isRegularFile(certificate) ? usable(certificate, notes) : null;
        if (parsed == null) {
          if (!Files.isRegularFile(certificate)) {
            log.warn("CertificateFile {} does not exist", certificate);
          }
          continue;
        }
        Path key = keyFor(parsed, candidates);
        if (key == null) {
          String note = "The certificate " + certificate + " (CertificateFile) is not offered: no IdentityFile "
              + "or default key has its public key (" + KeyUtils.getFingerPrint(parsed.getCertPubKey()) + ") in a "
              + ".pub beside it";
          log.warn("{}", note);
          notes.add(note + ".");
          continue;
        }
        keyOfCertificate.put(certificate, key);
        identities.add(certificate.toString());
      }
      identities.addAll(identityFiles);
    }
    if (identities.equals(identityFiles)) {
      return host;
    }
    return replaced(host, SshConstants.IDENTITY_FILE, List.copyOf(identities));
  }

  private static List<Path> paths(List<String> values) {
    List<Path> paths = new ArrayList<>();
    for (String value : values) {
      try {
        paths.add(Path.of(value));
      } catch (InvalidPathException e) {
        log.warn("not a path: {}", value);
      }
    }
    return paths;
  }

  /** The candidate whose {@code .pub} holds the certificate's key, or null. */
  private static Path keyFor(OpenSshCertificate certificate, List<Path> candidates) {
    for (Path candidate : candidates) {
      Path pub = Path.of(candidate + ".pub");
      try {
        if (Files.isRegularFile(pub)
            && KeyUtils.compareKeys(readPublicKey(pub), certificate.getCertPubKey())) {
          return candidate;
        }
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        log.debug("cannot read {}: {}", pub, e.toString());
      }
    }
    return null;
  }

  /**
   * The user certificate in {@code file}, or null (logged) if it is not one. One that is not valid now is returned
   * all the same, as OpenSSH offers it and lets the server refuse it; the reason goes into the notes.
   */
  private static OpenSshCertificate usable(Path file, AuthenticationNotes notes) {
    OpenSshCertificate certificate;
    try {
      PublicKey key = readPublicKey(file);
      if (!(key instanceof OpenSshCertificate c)) {
        log.warn("{} holds no OpenSSH certificate but a plain {} key", file, KeyUtils.getKeyType(key));
        return null;
      }
      certificate = c;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      log.warn("cannot read the certificate {}: {}", file, e.toString());
      return null;
    }
    if (certificate.getType() != OpenSshCertificate.Type.USER) {
      log.warn("{} is a host certificate, not a user certificate", file);
      return null;
    }
    long now = Instant.now().getEpochSecond();
    String described = "The certificate " + file + " (ID \"" + certificate.getId() + "\", "
        + KeyUtils.getKeyType(certificate) + ")";
    if (Long.compareUnsigned(now, certificate.getValidBefore()) >= 0) {
      String note = described + " expired at " + Instant.ofEpochSecond(certificate.getValidBefore())
          + ": get a new one from your certificate authority";
      log.warn("{}", note);
      notes.add(note + ".");
    } else if (Long.compareUnsigned(certificate.getValidAfter(), now) > 0) {
      String note = described + " is not valid before " + Instant.ofEpochSecond(certificate.getValidAfter());
      log.warn("{}", note);
      notes.add(note + ".");
    }
    return certificate;
  }

  private static PublicKey readPublicKey(Path file) throws IOException, GeneralSecurityException {
    String line = Files.readString(file, US_ASCII).strip();
    return PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
  }

  private static SshConfigStore.HostConfig replaced(SshConfigStore.HostConfig host, String key, List<String> values) {
    return new SshConfigStore.HostConfig() {
      @Override
      public String getValue(String k) {
        return host.getValue(k);
      }

      @Override
      public List<String> getValues(String k) {
        return k.equalsIgnoreCase(key) ? values : host.getValues(k);
      }

      @Override
      public Map<String, String> getOptions() {
        return host.getOptions();
      }

      @Override
      public Map<String, List<String>> getMultiValuedOptions() {
        Map<String, List<String>> all = new LinkedHashMap<>(host.getMultiValuedOptions());
        all.keySet().removeIf(k -> k.equalsIgnoreCase(key));
        all.put(key, values);
        return all;
      }
    };
  }

  /** The private key file behind {@code identity}: a certificate's key, else {@code identity} itself. */
  public Path keyFileOf(Path identity) {
    return keyOfCertificate.getOrDefault(identity, identity);
  }

  /** For a certificate registered above, the key pair (certificate, its private key); any other key as loaded. */
  @Override
  public KeyPair get(Path path, Function<? super Path, ? extends KeyPair> loader) {
    Path keyFile = keyOfCertificate.get(path);
    if (keyFile == null) {
      KeyPair key = loader.apply(path);
      if (key != null && keyOfCertificate.containsValue(path)) {
        held.put(path, new Held(key, System.nanoTime() + HOLD_NANOS));
      }
      return key;
    }
    OpenSshCertificate certificate = usable(path, new AuthenticationNotes());
    if (certificate == null) {
      return null;
    }
    KeyPair key = recentlyLoaded(keyFile);
    if (key == null) {
      key = loader.apply(keyFile);
      if (key == null) {
        return null;
      }
      held.put(keyFile, new Held(key, System.nanoTime() + HOLD_NANOS));
    }
    if (!KeyUtils.compareKeys(key.getPublic(), certificate.getCertPubKey())) {
      log.warn("the certificate {} is not for the key {} ({}, not {}); not offered", path, keyFile,
          KeyUtils.getFingerPrint(certificate.getCertPubKey()), KeyUtils.getFingerPrint(key.getPublic()));
      return null;
    }
    log.debug("offering the certificate {} (ID \"{}\") with the key {}", path, certificate.getId(), keyFile);
    return new KeyPair(certificate, key.getPrivate());
  }

  private KeyPair recentlyLoaded(Path keyFile) {
    long now = System.nanoTime();
    held.values().removeIf(h -> now - h.until() > 0);
    Held h = held.get(keyFile);
    return h == null ? null : h.key();
  }

  /** Forgets the held keys; nothing else is kept. */
  @Override
  public void close() {
    held.clear();
  }
}
