package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.Test;

/**
 * A host reached directly that cannot be reached fails in OpenSSH's words, not sshd's {@code DefaultConnectFuture[...]:
 * Failed (UnresolvedAddressException) to execute: null}.
 */
class UnreachableHostTest extends TestbedTest {
  @Test
  void aHostNameThatDoesNotResolveFailsAsOpenSshSaysIt() throws Exception {
    String uri = "ssh://git@no-such-host.invalid/x.git";
    try (PomeriumSshSessionFactory factory = plainFactory()) {
      TransportException e = assertThrows(TransportException.class,
          () -> Git.lsRemoteRepository().setRemote(uri).setTransportConfigCallback(factory).call());
      assertEquals(uri + ": Could not resolve hostname no-such-host.invalid: Name or service not known",
          e.getMessage());
    }
  }

  @Test
  void aRefusedConnectionFailsAsOpenSshSaysItWithTheHostAndPortFromSshConfig() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    java.nio.file.Files.writeString(testbed.sshDirectory.resolve("config"),
        "Host gone\n  HostName 127.0.0.1\n  Port " + closedPort + "\n");
    try (PomeriumSshSessionFactory factory = plainFactory()) {
      TransportException e = assertThrows(TransportException.class,
          () -> Git.lsRemoteRepository().setRemote("git@gone:x.git").setTransportConfigCallback(factory).call());
      assertTrue(e.getMessage().endsWith(": connect to host 127.0.0.1 port " + closedPort + ": Connection refused"),
          e.getMessage());
    }
  }

  private PomeriumSshSessionFactory plainFactory() {
    return PomeriumSshSessionFactory.builder().homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()).build();
  }
}
