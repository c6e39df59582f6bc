package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a thread or a socket behind once its fixtures are closed. Runs after {@code @AfterEach}.
 *
 * <p>Threads that the JVM or JGit start once per process and keep (not per connection) are allowed.
 */
public final class NoLeaks implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoLeaks.class);
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Process-wide daemons: created lazily by the JDK or JGit on first use, never per tunnel or per session. */
  private static final Pattern PROCESS_WIDE = Pattern.compile(
      "process reaper.*|Attach Listener|Common-Cleaner|JGit-WorkQueue.*|JGit-FileStoreAttributeReader.*"
          + "|ForkJoinPool.commonPool.*|InnocuousThread.*|Keep-Alive-.*|JGit-Cleaner.*|idle-connection-.*"
          // OkHttp 5 and Okio share these among all clients of the process, and retire them when idle.
          + "|OkHttp TaskRunner|Okio Watchdog"
          // The JDK's timer for CompletableFuture timeouts, started once per process.
          + "|CompletableFutureDelayScheduler");

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    ExtensionContext.Store store = context.getStore(NS);
    store.put("threads", Set.copyOf(Thread.getAllStackTraces().keySet()));
    store.put("sockets", openSockets());
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    ExtensionContext.Store store = context.getStore(NS);
    @SuppressWarnings("unchecked")
    Set<Thread> before = (Set<Thread>) store.get("threads");
    long socketsBefore = (Long) store.get("sockets");
    long deadline = System.nanoTime() + DEADLINE_NANOS;

    for (Thread t : newThreads(before)) {
      try {
        TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    List<Thread> leaked = newThreads(before);
    if (!leaked.isEmpty()) {
      fail("threads left behind: " + leaked.stream()
          .map(t -> t.getName() + " at " + java.util.Arrays.toString(t.getStackTrace()))
          .collect(Collectors.joining("; ")));
    }
    long sockets = openSockets();
    // Sockets have no completion to wait on; their threads have ended, so only a close in flight remains.
    while (sockets > socketsBefore && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      sockets = openSockets();
    }
    if (sockets > socketsBefore) {
      fail("TCP sockets left open: " + sockets + " now, " + socketsBefore + " before the test");
    }
  }

  private static List<Thread> newThreads(Set<Thread> before) {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && !before.contains(t) && !PROCESS_WIDE.matcher(t.getName()).matches()) {
        out.add(t);
      }
    }
    return out;
  }

  /** TCP sockets (listening or connected, IPv4 or IPv6) open in this process, as the kernel sees them (Linux). */
  static long openSockets() throws IOException {
    Set<String> inodes = socketInodes();
    long count = 0;
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      for (String line : Files.readAllLines(Path.of(table))) {
        String[] fields = line.trim().split("\\s+");
        // Field 9 is the inode; sockets in TIME_WAIT belong to no process and have inode 0.
        if (fields.length > 9 && inodes.contains(fields[9])) {
          count++;
        }
      }
    }
    return count;
  }

  private static Set<String> socketInodes() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.map(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          return ""; // closed while listing
        }
      }).filter(link -> link.startsWith("socket:[")).map(link -> link.substring(8, link.length() - 1))
          .collect(Collectors.toSet());
    }
  }
}
