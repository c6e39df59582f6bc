package dev.jgitpomerium.testkit.internal;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts named daemon threads and remembers them until they end.
 *
 * <p>Test servers must be able to prove that {@code close()} left nothing running; an executor
 * would hide its idle threads and give them generic names, so each task gets its own thread whose
 * name says which server and which connection it belongs to.
 */
public final class Workers {
  private static final Logger LOG = LoggerFactory.getLogger(Workers.class);

  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  private boolean shutdown;

  /**
   * Runs {@code task} on a new daemon thread called {@code name}.
   *
   * @throws RejectedExecutionException after {@link #shutdown()}, so that a connection accepted
   *     while closing is not served by a thread nobody will wait for
   */
  public synchronized Thread start(String name, Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("shut down: " + name);
    }
    Thread thread =
        new Thread(
            () -> {
              try {
                task.run();
              } catch (RuntimeException | Error e) {
                LOG.warn("{} failed", Thread.currentThread().getName(), e);
              } finally {
                running.remove(Thread.currentThread());
              }
            },
            name);
    thread.setDaemon(true);
    running.add(thread);
    thread.start();
    return thread;
  }

  /** Refuses further {@link #start} calls; threads already running are left alone. */
  public synchronized void shutdown() {
    shutdown = true;
  }

  /**
   * Waits until every started thread has ended, at most {@code timeout} in total.
   *
   * @return whether all threads ended in time
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : List.copyOf(running)) {
      if (thread == Thread.currentThread()) {
        continue;
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
    }
    return aliveNames().isEmpty();
  }

  /**
   * Closes a server: refuses new threads, closes {@code listener}, runs {@code abort} (which closes every connection's
   * sockets, unblocking their threads) and waits up to {@code timeout} for the threads to end, warning (naming the
   * server {@code name}) if some did not. An interrupt ends the wait and stays set.
   */
  public void stop(Closeable listener, Runnable abort, Duration timeout, String name) {
    shutdown();
    IoUtil.closeQuietly(listener);
    abort.run();
    boolean ended = false;
    try {
      ended = awaitTermination(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!ended) {
      LOG.warn("{} closed with threads still running: {}", name, aliveNames());
    }
  }

  /** Names of threads that are still running, for diagnostics when a close did not finish. */
  public List<String> aliveNames() {
    return running.stream()
        .filter(t -> t != Thread.currentThread() && t.isAlive())
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }
}
