package dev.jgitpomerium.sample;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import org.eclipse.jgit.lib.BatchingProgressMonitor;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.TextProgressMonitor;

/** Progress on standard error: a live bar on a terminal, one plain line per finished task otherwise (CI logs). */
final class Progress {
  private Progress() {}

  static ProgressMonitor on(PrintStream err) {
    if (System.console() != null) {
      return new TextProgressMonitor(new PrintWriter(err, true));
    }
    return new PlainLines(err);
  }

  /**
   * Prints a task only when it ends, so logs get "Receiving objects: 100% (1234/1234), done." and no carriage returns.
   */
  private static final class PlainLines extends BatchingProgressMonitor {
    private final PrintStream err;

    PlainLines(PrintStream err) {
      this.err = err;
    }

    @Override
    protected void onUpdate(String taskName, int workCurr, Duration duration) {
      // Only the end of a task is printed.
    }

    @Override
    protected void onEndTask(String taskName, int workCurr, Duration duration) {
      err.println(taskName + ": " + workCurr + ", done.");
    }

    @Override
    protected void onUpdate(String taskName, int workCurr, int workTotal, int percentDone, Duration duration) {
      // Only the end of a task is printed.
    }

    @Override
    protected void onEndTask(String taskName, int workCurr, int workTotal, int percentDone, Duration duration) {
      err.println(taskName + ": " + percentDone + "% (" + workCurr + "/" + workTotal + "), done.");
    }
  }
}
