package dev.jgitpomerium.transport.internal.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** This library's version, as Maven stamped it into {@code version.properties}. */
public final class Version {
  private static final String VERSION = load();

  private Version() {}

  public static String get() {
    return VERSION;
  }

  /** The {@code User-Agent} sent to Pomerium. */
  public static String userAgent() {
    return "jgit-pomerium/" + VERSION;
  }

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }
}
