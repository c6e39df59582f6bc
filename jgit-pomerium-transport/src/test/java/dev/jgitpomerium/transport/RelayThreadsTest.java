package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgitpomerium.transport.internal.relay.LoopbackRelay;
import dev.jgitpomerium.transport.internal.tunnel.HeadReader;
import dev.jgitpomerium.transport.internal.tunnel.Tunnel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The relay's threads: one per open tunnel (the one that reads the tunnel), plus two per relay; and a tunnel whose
 * far side stops taking bytes does not hold up the others, though JGit's bytes of all tunnels go out on one thread.
 */
@ExtendWith(NoLeaks.class)
class RelayThreadsTest {
  private static final int TIMEOUT_MILLIS = 10_000;
  private final LoopbackRelay relay = new LoopbackRelay(Duration.ofSeconds(10), () -> new PomeriumEventListener() {});
  private final List<Socket> clients = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (Socket s : clients) {
      s.close();
    }
    relay.close();
  }

  @Test
  void anOpenTunnelHoldsOneThreadOfTheRelay() throws IOException {
    Socket first = connect(relay.grant(echo(), "a.example:22"), "a.example:22");
    assertEquals("ping 0", exchange(first, "ping 0"));
    long before = relayThreads();
    for (int i = 1; i <= 4; i++) {
      Socket s = connect(relay.grant(echo(), "a.example:22"), "a.example:22");
      assertEquals("ping " + i, exchange(s, "ping " + i));
    }
    assertEquals(4, relayThreads() - before, "relay threads for 4 more open tunnels");
  }

  @Test
  void aTunnelWhoseFarSideStopsReadingDoesNotHoldUpTheOthers() throws IOException {
    CountDownLatch released = new CountDownLatch(1);
    OutputStream neverTakes = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          released.await(); // a peer that stopped reading: the write blocks until the tunnel is closed
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IOException("closed");
      }
    };
    BlockingInput silent = new BlockingInput();
    Tunnel stuck = Tunnel.command("a peer that stopped reading", silent, neverTakes, () -> {
      released.countDown();
      silent.end();
    });
    Socket toStuck = connect(relay.grant(stuck, "stuck.example:22"), "stuck.example:22");
    toStuck.getOutputStream().write(new byte[4096]);
    toStuck.getOutputStream().flush();

    Socket other = connect(relay.grant(echo(), "b.example:22"), "b.example:22");
    assertEquals("still carried", exchange(other, "still carried"));
  }

  private static long relayThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("jgit-pomerium-relay-"))
        .count();
  }

  /** A CONNECT with the grant, as JGit sends it; returns the socket after the relay's 200. */
  private Socket connect(LoopbackRelay.Credentials grant, String target) throws IOException {
    Socket s = new Socket();
    clients.add(s);
    s.connect(grant.address(), TIMEOUT_MILLIS);
    s.setSoTimeout(TIMEOUT_MILLIS);
    String basic = Base64.getEncoder().encodeToString(
        (grant.user() + ":" + new String(grant.password())).getBytes(StandardCharsets.UTF_8));
    OutputStream out = s.getOutputStream();
    out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: Basic " + basic
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String head = new String(HeadReader.read(s.getInputStream(), 8192, () -> { }), StandardCharsets.US_ASCII);
    assertEquals("HTTP/1.1 200 Connection established", head.substring(0, head.indexOf('\r')));
    return s;
  }

  private static String exchange(Socket s, String message) throws IOException {
    byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(bytes);
    s.getOutputStream().flush();
    return new String(s.getInputStream().readNBytes(bytes.length), StandardCharsets.US_ASCII);
  }

  /** A tunnel whose far side sends back what it gets, as a ProxyCommand's streams. */
  private static Tunnel echo() {
    BlockingInput back = new BlockingInput();
    OutputStream in = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        back.add(Arrays.copyOfRange(b, off, off + len));
      }
    };
    return Tunnel.command("echo", back, in, back::end);
  }

  /** An input stream fed by another thread; it ends when {@link #end()} is called. */
  private static final class BlockingInput extends InputStream {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current = new byte[0];
    private int pos;

    void add(byte[] chunk) {
      chunks.add(chunk);
    }

    void end() {
      chunks.add(END);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos == current.length) {
        try {
          byte[] next = chunks.poll(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
          if (next == null || next == END) {
            chunks.add(END);
            return -1;
          }
          current = next;
          pos = 0;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
