package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Count;
import dev.jgitpomerium.testkit.internal.Files2;
import dev.jgitpomerium.testkit.internal.NamedThreadFactory;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.SshThreadPoolExecutor;
import org.apache.sshd.common.util.threads.ThreadUtils;
import org.apache.sshd.server.ServerAuthenticationManager;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.AbstractCommandSupport;
import org.apache.sshd.server.command.Command;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.util.FS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SSH git server for tests: Apache MINA sshd (from sshd-osgi, the jar JGit's client uses)
 * running JGit's {@link UploadPack} and {@link ReceivePack}, serving every repository under one
 * root directory.
 *
 * <p>It stands in for the git host behind a Pomerium TCP route, so tunnel tests can run real clones
 * and pushes end to end. Host and user keys are fresh EC P-256 pairs per server; only the generated
 * user key is accepted, for any user name. {@link #writeUserIdentity} and {@link #writeKnownHosts}
 * produce the files an ssh client expects, so client-side host-key checking stays on in tests.
 * Protocol v2 works because {@code GIT_PROTOCOL} is passed through.
 *
 * <p>Binds 127.0.0.1 on an ephemeral port. Threads, sshd's own included, are daemons named {@code
 * git-ssh-server-<instance>-<role>-<n>}; {@link #close()} stops sshd and waits (bounded) until they
 * have all ended.
 */
public final class GitSshServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GitSshServer.class);

  /** Exit status git itself uses for "fatal" errors such as a missing repository. */
  private static final int FATAL = 128;

  /** Server-side read/write timeout for a pack transfer, so a vanished client frees its thread. */
  private static final int PACK_TIMEOUT_SECONDS = 60;

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final String KEY_COMMENT = "jgit-pomerium-testkit";
  private static final int IO_THREADS = 4;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Path repositoriesRoot;
  private final KeyPair hostKeyPair;
  private final KeyPair userKeyPair;
  private final SshServer sshd;
  private final CloseableExecutorService commandExecutor;
  private final ScheduledExecutorService timer;
  private final List<CloseableExecutorService> ioExecutors = new CopyOnWriteArrayList<>();
  private final List<NamedThreadFactory> threadFactories = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Counted down by {@link #close()} once sshd stopped: ends every push held by {@link #setPreReceiveDelay}. */
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Count openSessions = new Count();
  private final Count pushesHeld = new Count();
  private volatile Duration preReceiveDelay = Duration.ZERO;

  private final String bindAddress;

  private GitSshServer(Path repositoriesRoot, String bindAddress) throws IOException {
    this.bindAddress = bindAddress;
    this.repositoriesRoot = repositoriesRoot.toAbsolutePath().normalize();
    Files.createDirectories(this.repositoriesRoot);
    this.hostKeyPair = generateEcKeyPair();
    this.userKeyPair = generateEcKeyPair();
    String threadPrefix = "git-ssh-server-" + INSTANCES.incrementAndGet() + "-";
    this.commandExecutor =
        new SshThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            threadFactory(threadPrefix + "command-"));
    this.timer = new ScheduledThreadPoolExecutor(1, threadFactory(threadPrefix + "timer-"));
    NamedThreadFactory nio2Threads = threadFactory(threadPrefix + "nio2-");

    sshd = SshServer.setUpDefaultServer();
    sshd.setHost(bindAddress);
    sshd.setPort(0);
    // Own, named executors instead of sshd's defaults, so close() can wait for exactly these.
    sshd.setScheduledExecutorService(timer, true);
    sshd.setIoServiceFactoryFactory(
        new Nio2ServiceFactoryFactory(
            () -> {
              CloseableExecutorService executor =
                  new SshThreadPoolExecutor(
                      IO_THREADS,
                      IO_THREADS,
                      0,
                      TimeUnit.MILLISECONDS,
                      new LinkedBlockingQueue<>(),
                      nio2Threads);
              ioExecutors.add(executor);
              return executor;
            }));
    sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKeyPair));
    sshd.setUserAuthFactories(
        List.of(ServerAuthenticationManager.DEFAULT_USER_AUTH_PUBLIC_KEY_FACTORY));
    sshd.setPublickeyAuthenticator(
        (user, key, session) -> KeyUtils.compareKeys(userKeyPair.getPublic(), key));
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setGSSAuthenticator(null);
    sshd.setHostBasedAuthenticator(null);
    sshd.setShellFactory(null);
    sshd.setCommandFactory(this::createCommand);
    sshd.addSessionListener(
        new SessionListener() {
          @Override
          public void sessionCreated(Session session) {
            openSessions.increment();
          }

          @Override
          public void sessionClosed(Session session) {
            openSessions.decrement();
          }
        });
  }

  /**
   * Generates a host key and a user key, binds 127.0.0.1 on an ephemeral port and starts serving
   * the repositories under {@code repositoriesRoot} (created if missing).
   */
  public static GitSshServer start(Path repositoriesRoot) throws IOException {
    return start(repositoriesRoot, "127.0.0.1");
  }

  /** Like {@link #start(Path)}, bound to {@code bindAddress} instead, e.g. {@code ::1} for IPv6 tests. */
  public static GitSshServer start(Path repositoriesRoot, String bindAddress) throws IOException {
    GitSshServer server = new GitSshServer(repositoriesRoot, bindAddress);
    try {
      server.sshd.start();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    LOG.debug("GitSshServer listening on {} for {}", server.address(), server.repositoriesRoot);
    return server;
  }

  /** The port sshd listens on. */
  public int port() {
    return sshd.getPort();
  }

  /** The bound address (127.0.0.1 unless started on another); use it as a gateway route's upstream. */
  public InetSocketAddress address() {
    return new InetSocketAddress(bindAddress, port());
  }

  /** The directory repository paths in commands are resolved against. */
  public Path repositoriesRoot() {
    return repositoriesRoot;
  }

  /** The server's host key, for clients that verify it programmatically. */
  public PublicKey hostPublicKey() {
    return hostKeyPair.getPublic();
  }

  /**
   * A known_hosts line for this server's key under {@code hostName}: {@code host key} when the port
   * is 22, else {@code [host]:port key}, the form OpenSSH and JGit look up. Tunnelled clients
   * verify the key under the real host name, not the gateway's, which is why the name is a
   * parameter.
   */
  public String hostKeyLine(String hostName) {
    String host = port() == 22 ? hostName : "[" + hostName + "]:" + port();
    return host + " " + PublicKeyEntry.toString(hostPublicKey());
  }

  /**
   * Writes a known_hosts file with one line per host name, all for this server's port, replacing
   * the file if it exists. With no names, writes a line for {@code 127.0.0.1}.
   */
  public void writeKnownHosts(Path file, String... hostNames) throws IOException {
    List<String> names = hostNames.length == 0 ? List.of("127.0.0.1") : Arrays.asList(hostNames);
    StringBuilder content = new StringBuilder();
    for (String name : names) {
      content.append(hostKeyLine(name)).append('\n');
    }
    Files2.createParentDirectories(file);
    Files.writeString(file, content, StandardCharsets.US_ASCII);
  }

  /**
   * Writes the accepted user key as {@code id_ecdsa} (OpenSSH format, unencrypted, mode 0600) and
   * {@code id_ecdsa.pub} into {@code sshDirectory}, creating it with mode 0700: one of the default
   * identity names, so a client pointed at that directory finds it without configuration.
   */
  public void writeUserIdentity(Path sshDirectory) throws IOException {
    Files2.createPrivateDirectory(sshDirectory);
    ByteArrayOutputStream privateKey = new ByteArrayOutputStream();
    try {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(
          userKeyPair, KEY_COMMENT, null, privateKey);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encode the user key", e);
    }
    Files2.writePrivate(sshDirectory.resolve("id_ecdsa"), privateKey.toByteArray());
    Files.writeString(
        sshDirectory.resolve("id_ecdsa.pub"),
        PublicKeyEntry.toString(userKeyPair.getPublic()) + " " + KEY_COMMENT + "\n",
        StandardCharsets.US_ASCII);
  }

  /** The only key pair the server accepts for public-key authentication. */
  public KeyPair userKeyPair() {
    return userKeyPair;
  }

  /**
   * Creates an empty bare repository at {@code path} (relative to the root, e.g. {@code
   * group/project.git}) with {@code HEAD} on {@code refs/heads/main}. The caller owns the returned
   * repository and should close it; the server opens its own instance per command.
   */
  public Repository createBareRepository(String path) throws IOException {
    Path dir = resolveInsideRoot(path);
    try {
      Git git = Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch("main").call();
      return git.getRepository();
    } catch (GitAPIException e) {
      throw new IOException("cannot create repository " + path, e);
    }
  }

  /**
   * Makes each push wait {@code delay} in a pre-receive hook, after the pack arrived and before any ref moves, as a
   * server running a slow check does: nothing crosses the connection meanwhile. {@link Duration#ZERO} turns it off.
   */
  public void setPreReceiveDelay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("negative delay: " + delay);
    }
    this.preReceiveDelay = delay;
  }

  /** SSH sessions currently open (authenticated or not). */
  public int openSessions() {
    return openSessions.get();
  }

  /**
   * Waits until {@code count} pushes sit in the pre-receive delay of {@link #setPreReceiveDelay}: their packs have
   * arrived and the connections are silent.
   *
   * @return whether they did within {@code timeout}
   */
  public boolean awaitPushesHeld(int count, Duration timeout) throws InterruptedException {
    return pushesHeld.awaitAtLeast(count, timeout);
  }

  /** Holds a push for {@code delay}, or until the server closes. */
  private void holdSilently(Duration delay) {
    pushesHeld.increment();
    try {
      closing.await(delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server is closing
    } finally {
      pushesHeld.decrement();
    }
  }

  /**
   * Waits until every SSH session has closed, which proves a client (and any tunnel in between)
   * released its connection.
   *
   * @return whether that happened within {@code timeout}
   */
  public boolean awaitNoOpenSessions(Duration timeout) throws InterruptedException {
    return openSessions.awaitAtMost(0, timeout);
  }

  /**
   * Stops sshd, closing all sessions at once, and waits (bounded) until the server's threads have
   * ended. Safe to call more than once.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    boolean interrupted = false;
    try {
      sshd.stop(true);
    } catch (IOException e) {
      LOG.warn("GitSshServer {}: stopping sshd failed", sshd.getPort(), e);
    }
    commandExecutor.shutdownNow(); // interrupts the commands, held pushes too
    closing.countDown();
    timer.shutdownNow();
    long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
    List<ExecutorService> executors = new ArrayList<>(ioExecutors);
    executors.add(commandExecutor);
    executors.add(timer);
    for (ExecutorService executor : executors) {
      executor.shutdownNow();
      try {
        long remaining = Math.max(0, deadline - System.nanoTime());
        if (!executor.awaitTermination(remaining, TimeUnit.NANOSECONDS)) {
          LOG.warn("GitSshServer {}: an executor did not terminate in time", sshd.getPort());
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      for (NamedThreadFactory factory : threadFactories) {
        factory.awaitThreadsEnded(deadline);
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    LOG.debug("GitSshServer {} closed", sshd.getPort());
  }

  @Override
  public String toString() {
    return "GitSshServer{" + bindAddress + ":" + port() + ", root=" + repositoriesRoot + "}";
  }

  private Command createCommand(ChannelSession channel, String command) {
    String trimmed = command.strip();
    int space = trimmed.indexOf(' ');
    String service = space < 0 ? trimmed : trimmed.substring(0, space);
    String argument = space < 0 ? "" : trimmed.substring(space + 1).strip();
    switch (service) {
      case "git-upload-pack":
      case "git-receive-pack":
        return new GitCommand(command, service, argument);
      default:
        return new GitCommand(command, null, argument);
    }
  }

  /**
   * Resolves a repository path from a command line: quotes and leading slashes are removed, it must
   * stay under the root, and it may omit a trailing {@code .git} like git-daemon allows.
   */
  private Path resolveRepository(String argument) throws RejectedPathException {
    String path = unquote(argument);
    Path dir = resolveInsideRoot(path);
    File gitDir = RepositoryCache.FileKey.resolve(dir.toFile(), FS.DETECTED);
    if (gitDir == null) {
      throw new RejectedPathException("'" + path + "' does not appear to be a git repository");
    }
    Path resolved = gitDir.toPath().toAbsolutePath().normalize();
    if (!resolved.startsWith(repositoriesRoot)) {
      throw new RejectedPathException("'" + path + "' is outside the repositories root");
    }
    return resolved;
  }

  private Path resolveInsideRoot(String path) throws RejectedPathException {
    String relative = path;
    while (relative.startsWith("/")) {
      relative = relative.substring(1);
    }
    if (relative.isEmpty()) {
      throw new RejectedPathException("no repository path given");
    }
    Path candidate;
    try {
      candidate = Path.of(relative);
    } catch (InvalidPathException e) {
      throw new RejectedPathException("invalid repository path '" + path + "'");
    }
    for (Path part : candidate) {
      if (part.toString().equals("..")) {
        throw new RejectedPathException("'" + path + "' must not contain '..'");
      }
    }
    Path dir = repositoriesRoot.resolve(candidate).normalize();
    if (candidate.isAbsolute() || !dir.startsWith(repositoriesRoot)) {
      throw new RejectedPathException("'" + path + "' is outside the repositories root");
    }
    return dir;
  }

  private static String unquote(String s) {
    if (s.length() >= 2
        && ((s.startsWith("'") && s.endsWith("'")) || (s.startsWith("\"") && s.endsWith("\"")))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }

  private NamedThreadFactory threadFactory(String prefix) {
    NamedThreadFactory factory = new NamedThreadFactory(prefix);
    threadFactories.add(factory);
    return factory;
  }

  private static KeyPair generateEcKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is not available", e);
    }
  }

  /** A repository path that must not be served. */
  private static final class RejectedPathException extends IOException {
    private static final long serialVersionUID = 1L;

    RejectedPathException(String message) {
      super(message);
    }
  }

  /** Runs one git service on the channel's streams, on the server's command executor. */
  private final class GitCommand extends AbstractCommandSupport {
    private final String service;
    private final String argument;

    GitCommand(String command, String service, String argument) {
      super(command, ThreadUtils.noClose(commandExecutor));
      this.service = service;
      this.argument = argument;
    }

    @Override
    public void run() {
      if (service == null) {
        fail(127, "unknown command: " + getCommand());
        return;
      }
      Path gitDir;
      try {
        gitDir = resolveRepository(argument);
      } catch (RejectedPathException e) {
        fail(FATAL, e.getMessage());
        return;
      }
      try (Repository repository =
          new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build()) {
        InputStream in = getInputStream();
        OutputStream out = getOutputStream();
        OutputStream err = getErrorStream();
        if (service.equals("git-upload-pack")) {
          UploadPack uploadPack = new UploadPack(repository);
          uploadPack.setTimeout(PACK_TIMEOUT_SECONDS);
          String gitProtocol = getEnvironment().getEnv().get("GIT_PROTOCOL");
          LOG.debug(
              "GitSshServer {}: upload-pack {} with GIT_PROTOCOL={}", port(), gitDir, gitProtocol);
          if (gitProtocol != null && !gitProtocol.isBlank()) {
            uploadPack.setExtraParameters(Arrays.asList(gitProtocol.split(":")));
          }
          uploadPack.upload(in, out, err);
        } else {
          ReceivePack receivePack = new ReceivePack(repository);
          receivePack.setTimeout(PACK_TIMEOUT_SECONDS);
          Duration delay = preReceiveDelay;
          if (!delay.isZero()) {
            receivePack.setPreReceiveHook((pack, commands) -> holdSilently(delay));
          }
          receivePack.receive(in, out, err);
        }
        out.flush();
        onExit(0);
      } catch (IOException | RuntimeException e) {
        LOG.debug("GitSshServer {}: {} failed: {}", port(), getCommand(), e.toString());
        fail(FATAL, e.getMessage() == null ? e.toString() : e.getMessage());
      }
    }

    private void fail(int status, String message) {
      try {
        OutputStream err = getErrorStream();
        err.write(("fatal: " + message + "\n").getBytes(StandardCharsets.UTF_8));
        err.flush();
      } catch (IOException e) {
        LOG.trace("could not report '{}' to the client", message, e);
      }
      onExit(status, message);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "GitCommand[%s %s]", service, argument);
    }
  }
}
