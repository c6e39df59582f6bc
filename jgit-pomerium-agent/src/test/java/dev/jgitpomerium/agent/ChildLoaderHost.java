package dev.jgitpomerium.agent;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A host that keeps its libraries out of the application class loader, as Maven (plexus realms) and a Spring Boot jar
 * (its launcher's class loader) do: runs {@code args[1]}'s main, with {@code args[2..]}, from a class loader over the
 * class path {@code args[0]}, which is also the context class loader. Uses nothing but the JDK.
 */
public final class ChildLoaderHost {
  private ChildLoaderHost() {}

  public static void main(String[] args) throws Exception {
    String[] entries = args[0].split(File.pathSeparator);
    URL[] urls = new URL[entries.length];
    for (int i = 0; i < entries.length; i++) {
      urls[i] = Path.of(entries[i]).toUri().toURL();
    }
    ClassLoader libraries = new URLClassLoader("host-libraries", urls, ClassLoader.getPlatformClassLoader());
    Thread.currentThread().setContextClassLoader(libraries);
    Class.forName(args[1], true, libraries).getMethod("main", String[].class)
        .invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
  }
}
