package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.internal.session.JGitSessions;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.io.nio2.Nio2Session;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;
import org.eclipse.jgit.util.FS;
import org.junit.jupiter.api.Test;

/**
 * What the factory sets on the sshd session JGit made, which JGit offers no hook for. If a JGit upgrade moves the
 * session, this fails rather than keepalives and TCP_NODELAY silently going missing.
 */
class SessionTuningTest extends TestbedTest {

  @Test
  void theSessionJGitMadeHasNagleOffSoGitsRoundTripsDoNotWaitForDelayedAcks() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      SshdSession session = pomerium.getSession(new URIish(Testbed.URI), null, FS.DETECTED, 10_000);
      try {
        ClientSession client = JGitSessions.clientSession(session, Testbed.HOST);
        assertNotNull(client, "JGit's SshdSession no longer keeps its sshd session in the field 'session'");
        Nio2Session io = (Nio2Session) client.getIoSession();
        assertTrue(io.getSocket().getOption(StandardSocketOptions.TCP_NODELAY));
      } finally {
        session.disconnect();
      }
    }
  }

  /**
   * The target for a reused connection: idle, it holds at most two threads of JGit's and MINA's (the JDK's I/O
   * thread of the client's channel group, which waits in epoll, and the client's timer, which sends keepalives), and
   * another open channel costs none. The tunnel's relay threads are not counted here.
   */
  @Test
  void anIdleSessionHoldsTwoClientThreadsAndAnotherOpenChannelAddsNone() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().build()) {
      Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
      SshdSession session = pomerium.getSession(new URIish(Testbed.URI), null, FS.DETECTED, 10_000);
      try {
        String client = JGitSessions.clientSession(session, Testbed.HOST).getFactoryManager().toString();
        Process first = uploadPack(session);
        List<String> idle = settledClientThreads(before, client, 2);
        assertTrue(idle.size() <= 2, "threads of the idle session with one channel open: " + idle);
        Process second = uploadPack(session);
        List<String> idleWithTwo = settledClientThreads(before, client, idle.size());
        assertEquals(idle.size(), idleWithTwo.size(), "a second open channel: " + idle + " then " + idleWithTwo);
        // Ended threads start again for the next exchange.
        uploadPack(session).destroy();
        first.destroy();
        second.destroy();
      } finally {
        session.disconnect();
      }
    }
  }

  /** An exec channel of git-upload-pack, its ref advertisement read: the channel stays open and idle. */
  private static Process uploadPack(SshdSession session) throws IOException {
    Process process = session.exec("git-upload-pack '/" + Testbed.REPOSITORY + "'", 10_000);
    InputStream in = process.getInputStream();
    byte[] length = in.readNBytes(4);
    assertEquals(4, length.length, "a ref advertisement");
    assertTrue(in.readNBytes(Integer.parseInt(new String(length, StandardCharsets.US_ASCII), 16) - 4).length > 0);
    return process;
  }

  /**
   * The live threads of the sshd client named {@code client} that were not there {@code before} (its pools' threads
   * carry its name; the JDK's I/O thread of its channel group is an unnamed "Thread-N"), once at most {@code bound}
   * are left or 15 s have passed.
   */
  private static List<String> settledClientThreads(Set<Thread> before, String client, int bound) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    List<String> threads = clientThreads(before, client);
    while (threads.size() > bound && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      threads = clientThreads(before, client);
    }
    return threads;
  }

  private static List<String> clientThreads(Set<Thread> before, String client) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !before.contains(t))
        .map(Thread::getName)
        .filter(name -> name.contains(client) || name.matches("Thread-\\d+"))
        .sorted()
        .collect(Collectors.toList());
  }
}
