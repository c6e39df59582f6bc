package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.junit.jupiter.api.Test;

/**
 * A host reached directly that cannot be reached fails in OpenSSH's words, not sshd's {@code DefaultConnectFuture[...]:
 * Failed (UnresolvedAddressException) to execute: null}; behind a ProxyJump the host named is the jump host, the only
 * one connected to directly, as the real ssh names it.
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

  @Test
  void anIpv6LiteralIsNamedUnbracketedAsOpenSshNamesIt() throws Exception {
    int closedPort = closedPort(InetAddress.getByName("::1"));
    String uri = "ssh://git@[::1]:" + closedPort + "/x.git";
    try (PomeriumSshSessionFactory factory = plainFactory()) {
      TransportException e = assertThrows(TransportException.class,
          () -> Git.lsRemoteRepository().setRemote(uri).setTransportConfigCallback(factory).call());
      assertTrue(e.getMessage().endsWith(": connect to host ::1 port " + closedPort + ": Connection refused"),
          e.getMessage());
    }
  }

  @Test
  void aProxyJumpToAClosedPortNamesTheJumpHostNotTheTarget() throws Exception {
    int closedPort = closedPort(InetAddress.getLoopbackAddress());
    int targetPort = closedPort(InetAddress.getByName("::1"));
    String expected = "connect to host 127.0.0.1 port " + closedPort + ": Connection refused";
    String message = viaProxyJump("pomerium-git@127.0.0.1:" + closedPort, targetPort, expected);
    assertEquals("ssh://viajump/x.git: " + expected, message);
  }

  @Test
  void aProxyJumpToAnUnresolvableNameNamesTheJumpHostNotTheTarget() throws Exception {
    int targetPort = closedPort(InetAddress.getByName("::1"));
    String expected = "Could not resolve hostname nonexist.invalid: Name or service not known";
    String message = viaProxyJump("nonexist.invalid", targetPort, expected);
    assertEquals("ssh://viajump/x.git: " + expected, message);
  }

  /**
   * Connects to {@code viajump} (HostName ::1, {@code targetPort}) through {@code ProxyJump jump}, with the real ssh
   * as the oracle (its stderr must contain {@code expected}); returns this library's failure message.
   */
  private String viaProxyJump(String jump, int targetPort, String expected) throws Exception {
    java.nio.file.Path config = Files.writeString(testbed.sshDirectory.resolve("config"),
        "Host viajump\n  HostName ::1\n  Port " + targetPort + "\n  ProxyJump " + jump + "\n"
            + "Host *\n  BatchMode yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n");
    try (ChildProcesses processes = new ChildProcesses(dir.resolve("processes"), testbed.home)) {
      ChildProcesses.Result ssh = processes.run(null, List.of("ssh", "-F", config.toString(), "viajump", "true"));
      assertEquals(255, ssh.exitCode(), ssh.describe());
      assertTrue(ssh.stderr().contains(expected), ssh.describe());
    }
    try (PomeriumSshSessionFactory factory = plainFactory()) {
      TransportException e = assertThrows(TransportException.class,
          () -> Git.lsRemoteRepository().setRemote("ssh://viajump/x.git").setTransportConfigCallback(factory)
              .call());
      assertFalse(e.getMessage().contains("::1"), e.getMessage());
      return e.getMessage();
    }
  }

  /** A port nothing listens on at {@code address}. */
  private static int closedPort(InetAddress address) throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, address)) {
      return socket.getLocalPort();
    }
  }

  private PomeriumSshSessionFactory plainFactory() {
    return PomeriumSshSessionFactory.builder().homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile()).build();
  }
}
