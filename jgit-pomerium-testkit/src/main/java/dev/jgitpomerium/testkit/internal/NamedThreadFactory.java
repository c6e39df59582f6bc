package dev.jgitpomerium.testkit.internal;

import java.util.concurrent.ThreadFactory;
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

  /** Threads will be called {@code prefix} followed by a counter starting at 1. */
  public NamedThreadFactory(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, prefix + next.getAndIncrement());
    thread.setDaemon(true);
    return thread;
  }
}
