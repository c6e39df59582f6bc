package dev.jgitpomerium.transport;

import dev.jgitpomerium.testkit.PomeriumGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.HttpsURLConnection;

/**
 * A person at a terminal on a machine without a browser: when the sign-in address appears on the console, they open
 * it in a browser on another machine (which cannot reach this machine's 127.0.0.1, so it stops at the callback
 * address) and paste that address, or just the token in it, back into the terminal.
 */
final class HeadlessUser {
  private final PomeriumGateway gateway;
  private final PipedOutputStream typing = new PipedOutputStream();
  private final PipedInputStream input;
  private final ByteArrayOutputStream transcript = new ByteArrayOutputStream();
  private boolean tokenOnly;

  HeadlessUser(PomeriumGateway gateway) throws IOException {
    this.gateway = gateway;
    this.input = new PipedInputStream(typing);
  }

  HeadlessUser pastingTokenOnly() {
    this.tokenOnly = true;
    return this;
  }

  InputStream input() {
    return input;
  }

  /** The console: records what is shown and reacts to the sign-in address. */
  PrintStream output() {
    OutputStream reacting = new OutputStream() {
      private final ByteArrayOutputStream line = new ByteArrayOutputStream();

      @Override
      public synchronized void write(int b) throws IOException {
        transcript.write(b);
        if (b != '\n') {
          line.write(b);
          return;
        }
        String text = line.toString(StandardCharsets.UTF_8).strip();
        line.reset();
        if (text.startsWith("https://")) {
          paste(text);
        }
      }
    };
    return new PrintStream(reacting, true, StandardCharsets.UTF_8);
  }

  String transcript() {
    synchronized (transcript) {
      return transcript.toString(StandardCharsets.UTF_8);
    }
  }

  private void paste(String signInUrl) throws IOException {
    String callback = remoteBrowser(signInUrl);
    String typed = tokenOnly
        ? URLDecoder.decode(callback.replaceAll(".*[?&]pomerium_jwt=([^&]+).*", "$1"), StandardCharsets.UTF_8)
        : callback;
    typing.write(("not what was asked\n" + typed + "\n").getBytes(StandardCharsets.UTF_8));
    typing.close();
  }

  /** Follows redirects from the sign-in address until one points at this machine's loopback callback. */
  private String remoteBrowser(String url) throws IOException {
    String current = url;
    for (int i = 0; i < 10; i++) {
      URI uri = URI.create(current);
      if (uri.getScheme().equals("http") && uri.getHost().equals("127.0.0.1")) {
        return current;
      }
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      if (connection instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(gateway.clientSslContext().getSocketFactory());
      }
      connection.setInstanceFollowRedirects(false);
      connection.setConnectTimeout(5_000);
      connection.setReadTimeout(5_000);
      try {
        int status = connection.getResponseCode();
        String location = connection.getHeaderField("Location");
        if (status / 100 != 3 || location == null) {
          throw new IOException("the sign-in page answered " + status + " without a redirect");
        }
        current = uri.resolve(location).toString();
      } finally {
        connection.disconnect();
      }
    }
    throw new IOException("too many redirects");
  }
}
