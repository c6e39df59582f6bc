package dev.jgitpomerium.testkit.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes daemon threads called {@code <prefix><n>}.
 *
 * <p>Executors handed to sshd would otherwise name their threads {@code sshd-...-thread-n}, which
 * tests cannot tell apart from the threads of JGit's own sshd client in the same JVM.
 */
public final class NamedThreadFactory implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger next = new AtomicInteger(1);
  private final Set<Thread> made = ConcurrentHashMap.newKeySet();

  /** Threads will be called {@code prefix} followed by a counter starting at 1. */
  public NamedThreadFactory(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, prefix + next.getAndIncrement());
    thread.setDaemon(true);
    made.removeIf(t -> t.getState() == Thread.State.TERMINATED);
    made.add(thread);
    return thread;
  }

  /**
   * Waits until every thread made here has ended, or {@code deadline} ({@link System#nanoTime()}) passes. An
   * executor reports termination while its last workers are still returning; this waits for them too.
   */
  public void awaitThreadsEnded(long deadline) throws InterruptedException {
    for (Thread thread : made) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return;
      }
      TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
    }
  }
}
