package dev.jgitpomerium.testkit.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A count that server threads change and tests wait on: "until two connections are open", "until no session is".
 *
 * <p>A test acts on a server only once it is in the state the test needs, so it waits on this instead of sleeping;
 * every wait has a deadline.
 */
public final class Count {
  private int value; // guarded by this
  private boolean waitsStopped; // guarded by this

  /** Adds one and wakes the waiters. */
  public synchronized void increment() {
    value++;
    notifyAll();
  }

  /** Takes one away and wakes the waiters. */
  public synchronized void decrement() {
    value--;
    notifyAll();
  }

  /** The value now. */
  public synchronized int get() {
    return value;
  }

  /**
   * Waits until the value is at least {@code count}.
   *
   * @return whether it was within {@code timeout}; false at once after {@link #stopWaits()}, since a server that
   *     closed takes no new arrivals
   */
  public synchronized boolean awaitAtLeast(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (value < count) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0 || waitsStopped) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
    return true;
  }

  /**
   * Waits until the value is at most {@code count} (0: until none is left). A closed server still counts down, so
   * {@link #stopWaits()} does not end this wait.
   *
   * @return whether it was within {@code timeout}
   */
  public synchronized boolean awaitAtMost(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (value > count) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
    return true;
  }

  /** Makes every {@link #awaitAtLeast} that has not succeeded return false, now and from now on. */
  public synchronized void stopWaits() {
    waitsStopped = true;
    notifyAll();
  }
}
