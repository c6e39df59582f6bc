package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.internal.session.JGitSessions;
import java.net.StandardSocketOptions;
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
}
