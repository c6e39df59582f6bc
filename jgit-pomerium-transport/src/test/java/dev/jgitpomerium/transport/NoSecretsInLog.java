package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (ServiceLoader autodetection): from the first class on, everything logged (SLF4J's
 * simple binding writes to {@code System.err}, our packages at debug level) is also kept, and after each class it must
 * contain no token: none of the {@link #register registered} values, no testkit-minted token, no Authorization
 * header and no unredacted {@code pomerium_jwt}.
 */
public final class NoSecretsInLog implements BeforeAllCallback, AfterAllCallback {
  private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
  private static final Pattern LEAKS = Pattern.compile(
      "jwt-\\d+-[A-Za-z0-9_-]{16}|Authorization:|pomerium_jwt=(?!<redacted>)[^&\\s]+");
  private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
  private static volatile boolean installed;

  static {
    register(Testbed.TOKEN);
  }

  /** A value that must never appear in the log. */
  static void register(String secret) {
    SECRETS.add(secret);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (LOG) {
      if (!installed) {
        PrintStream original = System.err;
        System.setErr(new PrintStream(new OutputStream() {
          @Override
          public void write(int b) {
            original.write(b);
            synchronized (LOG) {
              LOG.write(b);
            }
          }

          @Override
          public void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            synchronized (LOG) {
              LOG.write(b, off, len);
            }
          }

          @Override
          public void flush() {
            original.flush();
          }
        }, true, StandardCharsets.UTF_8));
        installed = true;
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    String leak = findLeak(captured());
    if (leak != null) {
      fail("a token reached the log: " + leak);
    }
  }

  /** Everything logged since the first test class started. */
  static String captured() {
    synchronized (LOG) {
      return LOG.toString(StandardCharsets.UTF_8);
    }
  }

  /** The line where a secret appears (the secret itself cut off), or {@code null}. */
  static String findLeak(String log) {
    for (String secret : SECRETS) {
      if (log.contains(secret)) {
        return around(log, log.indexOf(secret));
      }
    }
    Matcher m = LEAKS.matcher(log);
    return m.find() ? around(log, m.start()) : null;
  }

  /** The offending line, with the secret itself cut out so the failure message does not repeat it. */
  private static String around(String log, int at) {
    int start = log.lastIndexOf('\n', at) + 1;
    return log.substring(start, Math.min(at, log.length())) + "<secret>";
  }
}
