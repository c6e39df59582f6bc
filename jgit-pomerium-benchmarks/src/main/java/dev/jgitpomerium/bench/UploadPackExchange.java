package dev.jgitpomerium.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jgit.transport.RemoteSession;

/**
 * The smallest git exchange on an SSH session that is already open: run {@code git-upload-pack}
 * (protocol v0), read its ref advertisement, answer with a flush packet (no wants), wait for the
 * end. A few SSH round trips and no set-up, so it shows what the tunnel adds to each round trip.
 * Each exchange runs on a helper thread so that a server that stops answering costs a bounded
 * wait, then the session.
 */
final class UploadPackExchange implements AutoCloseable {
  static final String COMMAND = "git-upload-pack '/" + BenchRepository.NAME + "'";
  private static final byte[] FLUSH = "0000".getBytes(StandardCharsets.US_ASCII);

  private final RemoteSession session;
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "bench-upload-pack");
            t.setDaemon(true);
            return t;
          });

  UploadPackExchange(RemoteSession session) {
    this.session = session;
  }

  void run() throws Exception {
    Future<?> exchange =
        runner.submit(
            () -> {
              exchangeOnce();
              return null;
            });
    try {
      exchange.get(Clients.GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      session.disconnect(); // unblocks the helper's read
      throw e;
    }
  }

  private void exchangeOnce() throws IOException, InterruptedException {
    Process process = session.exec(COMMAND, Clients.GIT_TIMEOUT_SECONDS);
    InputStream in = process.getInputStream();
    readAdvertisement(in);
    OutputStream out = process.getOutputStream();
    out.write(FLUSH);
    out.flush();
    out.close();
    in.transferTo(OutputStream.nullOutputStream());
    if (!process.waitFor(Clients.GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new IOException("git-upload-pack did not end");
    }
  }

  /** Reads the refs up to and including the flush packet that ends them. */
  static void readAdvertisement(InputStream in) throws IOException {
    while (readPacket(in) > 0) {
      // refs until the flush packet
    }
  }

  /** Reads one pkt-line; returns its length, 0 for a flush packet. */
  private static int readPacket(InputStream in) throws IOException {
    byte[] header = in.readNBytes(4);
    if (header.length < 4) {
      throw new EOFException("git-upload-pack ended inside its advertisement");
    }
    int length = Integer.parseInt(new String(header, StandardCharsets.US_ASCII), 16);
    if (length > 4 && in.readNBytes(length - 4).length < length - 4) {
      throw new EOFException("git-upload-pack ended inside a packet");
    }
    return length;
  }

  @Override
  public void close() {
    runner.shutdownNow();
    session.disconnect();
  }
}
