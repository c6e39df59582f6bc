package dev.jgitpomerium.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads classes and resources from the entries of one jar under a prefix, above the platform class loader only: the
 * application class path, where the JVM put this very jar, is not consulted. Multi-release entries ({@code
 * META-INF/versions/N/} under the prefix) win for the running Java, as in a multi-release jar.
 */
final class IsolatedClassLoader extends ClassLoader {
  static {
    registerAsParallelCapable();
  }

  private final JarFile jar;
  private final String prefix;
  private final String jarUrl;
  private final ProtectionDomain domain;
  /** Entry-name prefixes to try, the running Java's multi-release folder first, the plain prefix last. */
  private final List<String> roots;

  IsolatedClassLoader(Path jarFile, String prefix) throws IOException {
    super("jgit-pomerium-agent", ClassLoader.getPlatformClassLoader());
    this.jar = new JarFile(jarFile.toFile());
    this.prefix = prefix;
    URL location = jarFile.toUri().toURL();
    this.jarUrl = "jar:" + location + "!/";
    this.domain = new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
    this.roots = roots(jar, prefix);
  }

  private static List<String> roots(JarFile jar, String prefix) {
    String versions = prefix + "META-INF/versions/";
    int running = Runtime.version().feature();
    TreeSet<Integer> present = new TreeSet<>(Collections.reverseOrder());
    jar.stream().map(JarEntry::getName).filter(n -> n.startsWith(versions)).forEach(name -> {
      int slash = name.indexOf('/', versions.length());
      if (slash > 0) {
        try {
          int version = Integer.parseInt(name.substring(versions.length(), slash));
          if (version >= 9 && version <= running) {
            present.add(version);
          }
        } catch (NumberFormatException ignored) {
          // not a version folder
        }
      }
    });
    List<String> roots = new ArrayList<>();
    present.forEach(v -> roots.add(versions + v + "/"));
    roots.add(prefix);
    return roots;
  }

  private JarEntry entry(String name) {
    for (String root : roots) {
      JarEntry entry = jar.getJarEntry(root + name);
      if (entry != null) {
        return entry;
      }
    }
    return null;
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    JarEntry entry = entry(name.replace('.', '/') + ".class");
    if (entry == null) {
      throw new ClassNotFoundException(name);
    }
    byte[] bytes;
    try (InputStream in = jar.getInputStream(entry)) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new ClassNotFoundException(name + " (reading " + entry.getName() + " of " + jar.getName() + ")", e);
    }
    int dot = name.lastIndexOf('.');
    if (dot > 0) {
      String packageName = name.substring(0, dot);
      if (getDefinedPackage(packageName) == null) {
        try {
          definePackage(packageName, null, null, null, null, null, null, null);
        } catch (IllegalArgumentException raced) {
          // another thread defined it first
        }
      }
    }
    return defineClass(name, bytes, 0, bytes.length, domain);
  }

  @Override
  protected URL findResource(String name) {
    JarEntry entry = entry(name);
    if (entry == null) {
      return null;
    }
    try {
      return new URL(jarUrl + entry.getName());
    } catch (MalformedURLException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected Enumeration<URL> findResources(String name) {
    URL url = findResource(name);
    return url == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(url));
  }

  @Override
  public String toString() {
    return "jgit-pomerium-agent's class loader (" + jar.getName() + "!/" + prefix + ")";
  }
}
