package dev.jgitpomerium.transport.internal.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.Test;

class SharedConnectionTest {
  private static final ConnectionPool.Destination HOST =
      new ConnectionPool.Destination("git", "git.corp.example.com", -1, null);

  /** Pomerium checks the token when a connection opens: a kept connection stops taking operations after a while. */
  @Test
  void aConnectionTakesNewOperationsForTenMinutesAfterItWasMade() {
    SharedConnection c = new SharedConnection(HOST, false);
    assertEquals(Duration.ofMinutes(10), ConnectionPool.MAX_AGE_FOR_NEW_OPERATIONS);
    assertFalse(c.olderThan(ConnectionPool.MAX_AGE_FOR_NEW_OPERATIONS, c.madeAt + Duration.ofMinutes(9).toNanos()));
    assertTrue(c.olderThan(ConnectionPool.MAX_AGE_FOR_NEW_OPERATIONS, c.madeAt + Duration.ofMinutes(11).toNanos()));
  }

  @Test
  void destinationsDifferByUserHostPortAndTheIdentityOfTheCredentialsProvider() throws Exception {
    URIish uri = new URIish("ssh://git@Git.Corp.Example.com/group/project.git");
    UsernamePasswordCredentialsProvider one = new UsernamePasswordCredentialsProvider("u", "p");
    UsernamePasswordCredentialsProvider same = new UsernamePasswordCredentialsProvider("u", "p");
    assertEquals(HOST, ConnectionPool.Destination.of(uri, null), "host names compare without case");
    assertEquals(ConnectionPool.Destination.of(uri, one), ConnectionPool.Destination.of(uri, one));
    assertNotEquals(ConnectionPool.Destination.of(uri, one), ConnectionPool.Destination.of(uri, same));
    assertNotEquals(HOST, ConnectionPool.Destination.of(new URIish("ssh://other@git.corp.example.com/x"), null));
    assertNotEquals(HOST, ConnectionPool.Destination.of(new URIish("ssh://git@git.corp.example.com:2222/x"), null));
  }
}
