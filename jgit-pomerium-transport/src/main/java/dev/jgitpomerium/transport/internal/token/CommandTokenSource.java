package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.TokenRequest;
import dev.jgitpomerium.transport.TokenSource;
import dev.jgitpomerium.transport.internal.signin.SignInConsole;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token printed by an external command on its standard output, e.g. {@code pomerium-cli auth https://host:443} or a
 * CI helper that fetches an OIDC token. The command runs through the platform shell, with {@code POMERIUM_URL} and
 * {@code POMERIUM_DESTINATION} in its environment; its standard error is shown to the user (it may say "a browser
 * has been opened").
 */
public final class CommandTokenSource implements TokenSource {
  private static final Logger log = LoggerFactory.getLogger(CommandTokenSource.class);
  private static final int MAX_OUTPUT_BYTES = 64 * 1024;
  private static final int STDERR_LINES_KEPT = 5;

  private final String commandLine;
  private final PomeriumToken.Scheme scheme;
  private final Duration timeout;
  private final SignInConsole console;

  public CommandTokenSource(String commandLine, PomeriumToken.Scheme scheme, Duration timeout,
      SignInConsole console) {
    if (commandLine == null || commandLine.isBlank()) {
      throw new IllegalArgumentException("token command is empty");
    }
    this.commandLine = commandLine;
    this.scheme = scheme;
    this.timeout = timeout;
    this.console = console;
  }

  @Override
  public PomeriumToken token(TokenRequest request) throws IOException {
    PomeriumToken token = run(request);
    return request.rejectedToken().filter(token::equals).isPresent() ? null : token;
  }

  private PomeriumToken run(TokenRequest request) throws IOException {
    boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    ProcessBuilder builder = new ProcessBuilder(windows ? List.of("cmd", "/c", commandLine)
        : List.of("/bin/sh", "-c", commandLine));
    builder.environment().put("POMERIUM_URL", request.endpoint().url());
    builder.environment().put("POMERIUM_DESTINATION", request.route().destination());
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File(windows ? "NUL" : "/dev/null")));
    log.debug("running the token command for {}", request.route());
    Process process = builder.start();
    Deque<String> lastErrors = new ArrayDeque<>();
    Thread errors =
        new Thread(() -> forwardErrors(process.getErrorStream(), lastErrors), "jgit-pomerium-token-command");
    errors.setDaemon(true);
    errors.start();
    byte[] output;
    try {
      output = readBounded(process.getInputStream());
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("the token command did not finish within " + timeout.toSeconds() + " s");
      }
      errors.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running the token command");
    } finally {
      process.destroyForcibly();
    }
    if (process.exitValue() != 0) {
      String tail;
      synchronized (lastErrors) {
        tail = String.join(" / ", lastErrors);
      }
      throw new IOException("the token command exited with status " + process.exitValue()
          + (tail.isEmpty() ? "" : ": " + tail));
    }
    String text = new String(output, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      throw new IOException("the token command printed nothing");
    }
    try {
      return scheme == PomeriumToken.Scheme.BEARER ? PomeriumToken.bearer(text) : PomeriumToken.pomerium(text);
    } catch (IllegalArgumentException e) {
      throw new IOException("the token command did not print a single token: " + e.getMessage(), e);
    }
  }

  /** Reads stdout up to a bound; the process is killed if it writes more (a token is never that large). */
  private static byte[] readBounded(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    int n;
    while ((n = in.read(buffer)) != -1) {
      out.write(buffer, 0, n);
      if (out.size() > MAX_OUTPUT_BYTES) {
        throw new IOException("the token command printed more than " + MAX_OUTPUT_BYTES + " bytes");
      }
    }
    return out.toByteArray();
  }

  private void forwardErrors(InputStream stderr, Deque<String> lastErrors) {
    try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(stderr, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        console.println(line);
        synchronized (lastErrors) {
          lastErrors.addLast(HeadReader.printable(line));
          if (lastErrors.size() > STDERR_LINES_KEPT) {
            lastErrors.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      log.debug("reading the token command's errors failed: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    return "token command";
  }
}
