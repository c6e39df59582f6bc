package dev.jgitpomerium.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jgit.api.Git;

/** Where the figures came from: CPU, memory, OS, JVM and library versions. */
final class Machine {
  private Machine() {}

  /**
   * The 1-minute load average: other work on the machine while the benchmark ran shows here.
   */
  static String loadAverage() {
    List<String> loadavg = lines(Path.of("/proc/loadavg"));
    return loadavg.isEmpty() ? "unknown" : loadavg.get(0).split(" ")[0];
  }

  /** Label to value, in display order. */
  static Map<String, String> describe() {
    Map<String, String> machine = new LinkedHashMap<>();
    List<String> cpuinfo = lines(Path.of("/proc/cpuinfo"));
    String model =
        cpuinfo.stream()
            .filter(l -> l.startsWith("model name"))
            .map(l -> l.substring(l.indexOf(':') + 1).strip())
            .findFirst()
            .orElse(System.getProperty("os.arch"));
    long processors = cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
    machine.put(
        "CPU",
        String.format(
            Locale.ROOT,
            "%s, %d cores available to the JVM%s",
            model,
            Runtime.getRuntime().availableProcessors(),
            processors > 0 ? " (" + processors + " in /proc/cpuinfo)" : ""));
    machine.put("memory", memory());
    machine.put(
        "OS",
        osRelease()
            + ", "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    machine.put(
        "Java",
        System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vm.name")
            + "), default GC and heap");
    machine.put("JGit", String.valueOf(Git.class.getPackage().getImplementationVersion()));
    return machine;
  }

  private static String memory() {
    for (String line : lines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
        return String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
      }
    }
    return "unknown";
  }

  private static String osRelease() {
    for (String line : lines(Path.of("/etc/os-release"))) {
      if (line.startsWith("PRETTY_NAME=")) {
        return line.substring("PRETTY_NAME=".length()).replace("\"", "");
      }
    }
    return "unknown distribution";
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }
}
