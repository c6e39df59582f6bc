package dev.jgitpomerium.bench;

import java.lang.management.ManagementFactory;

/** CPU time of this JVM, all threads (GC and JIT included), in nanoseconds. */
final class Cpu {
  private Cpu() {}

  static long processNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
