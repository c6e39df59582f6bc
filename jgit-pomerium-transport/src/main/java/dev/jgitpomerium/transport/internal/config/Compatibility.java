package dev.jgitpomerium.transport.internal.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.client.SshClient;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that knows which JGit and MINA sshd versions this library runs with and which it supports.
 *
 * <p>Frameworks pin their own JGit and sshd (Spring Cloud 2025.1: JGit 7.4.0 with sshd 2.16.0), so the versions at
 * run time need not be the ones this jar was compiled against. The supported range is what the build tests: the oldest
 * ({@code jgit.oldest.version}, {@code sshd.oldest.version} in the parent pom) and the newest (the ones compiled
 * against), stamped into {@code version.properties}.
 */
public final class Compatibility {
  private static final Logger log = LoggerFactory.getLogger(Compatibility.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();
  private static final Compatibility RUNNING = detect();

  private final String jgit;
  private final String jgitSsh;
  private final String sshd;
  private final Range jgitRange;
  private final Range sshdRange;

  /** Supported versions, as the build stamped them: {@code oldest} and {@code newest} are full version strings. */
  public record Range(String oldest, String newest) {
    boolean contains(String version) {
      return compare(version, oldest, 3) >= 0 && compare(version, newest, 2) <= 0;
    }

    boolean isAbove(String version) {
      return compare(version, newest, 2) > 0;
    }

    /** {@code 7.4–7.8}: the feature releases, as the README states the range. */
    @Override
    public String toString() {
      return featureRelease(oldest) + "–" + featureRelease(newest);
    }
  }

  /** For tests: versions as given, not as found. */
  public Compatibility(String jgit, String jgitSsh, String sshd, Range jgitRange, Range sshdRange) {
    this.jgit = jgit;
    this.jgitSsh = jgitSsh;
    this.sshd = sshd;
    this.jgitRange = jgitRange;
    this.sshdRange = sshdRange;
  }

  /** The versions in this JVM (as seen from this library's class loader). */
  public static Compatibility running() {
    return RUNNING;
  }

  /** The version of JGit's core ({@code org.eclipse.jgit}), or {@code null} when its jar does not say. */
  public String jgit() {
    return jgit;
  }

  /** The version of JGit's {@code org.eclipse.jgit.ssh.apache}, or {@code null} when its jar does not say. */
  public String jgitSsh() {
    return jgitSsh;
  }

  /** The version of MINA sshd ({@code sshd-osgi}, or {@code sshd-core}/{@code sshd-common}), or {@code null}. */
  public String sshd() {
    return sshd;
  }

  public Range jgitRange() {
    return jgitRange;
  }

  public Range sshdRange() {
    return sshdRange;
  }

  /**
   * Whether JGit offers the ssh-agent's copies of the {@code IdentityFile} keys before the agent's other keys, as
   * OpenSSH does: since JGit 7.5 (eclipse-jgit/jgit#216). An unknown version is taken to be the newest.
   */
  public boolean ordersAgentKeysByIdentityFile() {
    return jgitSsh == null || compare(jgitSsh, "7.5.0", 3) >= 0;
  }

  /** {@code JGit 7.4.0.202509020913-r and MINA sshd 2.16.0}, for messages. */
  public String found() {
    String ssh =
        jgitSsh == null || jgitSsh.equals(jgit) ? "" : " (org.eclipse.jgit.ssh.apache " + orUnknown(jgitSsh) + ")";
    return "JGit " + orUnknown(jgit) + ssh + " and MINA sshd " + orUnknown(sshd);
  }

  /** {@code JGit 7.4–7.8 with MINA sshd 2.16–2.19}, for messages. */
  public String supported() {
    return "JGit " + jgitRange + " with MINA sshd " + sshdRange;
  }

  /**
   * What is outside the supported range, or an empty list. A version a jar does not state (a repackaged jar) is not
   * reported: nothing is known against it.
   */
  public List<String> outsideRange() {
    List<String> out = new ArrayList<>();
    for (String v : new String[] {jgit, jgitSsh}) {
      if (v != null && !jgitRange.contains(v) && out.stream().noneMatch(s -> s.startsWith("JGit " + v))) {
        out.add("JGit " + v);
      }
    }
    if (sshd != null && !sshdRange.contains(sshd)) {
      out.add("MINA sshd " + sshd);
    }
    return out;
  }

  /**
   * Logs once per JVM when the versions found are outside the supported range: the library may still work (the range
   * shares every API it uses, and so do JGit 6.10 and 7.0), but nothing tests it there.
   */
  public void warnIfOutsideRange() {
    String warning = outsideRangeWarning();
    if (warning != null && WARNED.compareAndSet(false, true)) {
      log.warn("{}", warning);
    }
  }

  /** The warning {@link #warnIfOutsideRange} logs, or null when the versions are supported (or unknown). */
  public String outsideRangeWarning() {
    List<String> outside = outsideRange();
    if (outside.isEmpty()) {
      return null;
    }
    return "jgit-pomerium " + Version.get() + " supports " + supported() + "; this JVM has " + found() + ": "
        + String.join(" and ", outside) + (outside.size() > 1 ? " are" : " is") + " untested, and connections may "
        + "fail. Align the JGit and sshd versions your build pins with the supported ones.";
  }

  /**
   * A {@link LinkageError} from JGit or sshd (a method or class this library uses is missing or changed) as the
   * failure the user sees: which versions are on the class path and which this library needs, with the error as the
   * cause. Never a bare {@code NoSuchMethodError}.
   */
  public IllegalStateException incompatible(LinkageError e) {
    return new IllegalStateException("jgit-pomerium " + Version.get() + " cannot run with " + found()
        + " on the class path (" + e + "); it supports " + supported()
        + ": align the JGit and sshd versions your build pins with those", e);
  }

  /** The first {@link LinkageError} in {@code failure}'s cause chain, or null. */
  public static LinkageError linkageErrorIn(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof LinkageError e) {
        return e;
      }
    }
    return null;
  }

  private static Compatibility detect() {
    Properties p = properties();
    return new Compatibility(
        version(Repository.class, "META-INF/maven/org.eclipse.jgit/org.eclipse.jgit/pom.properties"),
        version(SshdSessionFactory.class, "META-INF/maven/org.eclipse.jgit/org.eclipse.jgit.ssh.apache/pom.properties"),
        sshdVersion(),
        new Range(p.getProperty("jgit.oldest", "7.4.0"), p.getProperty("jgit.newest", "7.8.1")),
        new Range(p.getProperty("sshd.oldest", "2.16.0"), p.getProperty("sshd.newest", "2.19.0")));
  }

  private static Properties properties() {
    Properties p = new Properties();
    try (InputStream in = Compatibility.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // the defaults above
    }
    return p;
  }

  /**
   * The version of the jar that holds {@code anchor}: its Maven {@code pom.properties} as the class's own loader sees
   * it
   * (kept by shading and by Spring Boot's nested jars), else the manifest's {@code Implementation-Version}.
   */
  private static String version(Class<?> anchor, String pomProperties) {
    String v = property(anchor, pomProperties, "version");
    return v != null ? v : anchor.getPackage().getImplementationVersion();
  }

  /** sshd's own {@code sshd-version.properties} (what sshd reports), read through sshd's loader, not the context's. */
  private static String sshdVersion() {
    String v = property(SshClient.class, "org/apache/sshd/sshd-version.properties", "version");
    return v != null ? v : SshClient.class.getPackage().getImplementationVersion();
  }

  private static String property(Class<?> anchor, String resource, String key) {
    ClassLoader loader = anchor.getClassLoader();
    try (InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(resource)
        : loader.getResourceAsStream(resource)) {
      if (in == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty(key);
      return v == null || v.isBlank() ? null : v.trim();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String orUnknown(String v) {
    return v == null ? "(version unknown)" : v;
  }

  /** {@code 7.4.0.202509020913-r} to {@code 7.4}. */
  static String featureRelease(String version) {
    int[] n = numbers(version, 2);
    return n[0] + "." + n[1];
  }

  /**
   * Compares the first {@code parts} numbers of two versions ({@code 7.4.0.202509020913-r}: 7, 4, 0, ...); a part
   * that is not a number counts as 0.
   */
  static int compare(String a, String b, int parts) {
    int[] x = numbers(a, parts);
    int[] y = numbers(b, parts);
    for (int i = 0; i < parts; i++) {
      if (x[i] != y[i]) {
        return Integer.compare(x[i], y[i]);
      }
    }
    return 0;
  }

  private static int[] numbers(String version, int parts) {
    int[] n = new int[parts];
    String[] s = version.split("[.-]", parts + 1);
    for (int i = 0; i < parts && i < s.length; i++) {
      try {
        n[i] = Integer.parseInt(s[i]);
      } catch (NumberFormatException e) {
        n[i] = 0;
      }
    }
    return n;
  }
}
