package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;

/**
 * {@link PomeriumEventListener#connectionRouted} says, once per connection and before anything is dialled, which way
 * it goes: through Pomerium (and where the route came from), through the host's ProxyCommand (as written), or
 * directly; the library logs the same at debug level. Each way is taken for real: a clone through the testkit
 * gateway, through Debian's socat, and straight to the SSH server.
 */
class ConnectionRoutedTest extends TestbedTest {

  /** connectionRouted as "host:port path", and the tunnel events by name, in order. */
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final List<ConnectionPath> paths = new CopyOnWriteArrayList<>();

  private final PomeriumEventListener listener = new PomeriumEventListener() {
    @Override
    public void connectionRouted(String host, int port, ConnectionPath path) {
      paths.add(path);
      events.add(host + ":" + port + " " + path);
    }

    @Override
    public void tunnelOpening(Route route) {
      events.add("tunnelOpening");
    }

    @Override
    public void tunnelOpened(Route route, java.time.Duration elapsed) {
      events.add("tunnelOpened");
    }
  };

  private PomeriumSshSessionFactory.Builder plainFactory() {
    return PomeriumSshSessionFactory.builder()
        .tokenStore(TokenStore.inMemory())
        .environment(name -> null)
        .homeDirectory(testbed.home.toFile())
        .sshDirectory(testbed.sshDirectory.toFile())
        .eventListener(listener);
  }

  private void writeSshConfig(String... lines) throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("config"), String.join("\n", lines) + "\n");
  }

  private String gatewayAuthority() {
    return "localhost:" + testbed.gateway.port();
  }

  @Test
  void aConfiguredRouteIsReportedAsPomeriumWithItsEndpointBeforeTheTunnelOpens() throws Exception {
    try (CapturedLog log = new CapturedLog();
        PomeriumSshSessionFactory pomerium = testbed.factory().eventListener(listener).build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      String line = "git.corp.example.com:22 via Pomerium https://" + gatewayAuthority() + " (configured route)";
      assertEquals(List.of(line, "tunnelOpening", "tunnelOpened"), events);
      ConnectionPath path = paths.get(0);
      assertEquals(ConnectionPath.Kind.POMERIUM, path.kind());
      assertEquals(Route.parse(Testbed.HOST + ":22", testbed.gateway.url()), path.route().orElseThrow());
      assertEquals(1, log.count("SSH connection to " + line.replaceFirst(" ", " goes ")), log.text());
    }
  }

  @Test
  void aPomeriumCliProxyCommandIsReportedAsARouteFromThatSshConfigFile() throws Exception {
    Path ca = testbed.gateway.writeCaCertificate(dir.resolve("ca.pem"));
    writeSshConfig("Host git.corp.example.com",
        "  ProxyCommand pomerium-cli tcp --listen - --pomerium-url " + testbed.gateway.url()
            + " --alternate-ca-path " + ca + " --service-account " + Testbed.TOKEN + " %h:%p");
    try (PomeriumSshSessionFactory pomerium = plainFactory().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    assertEquals(List.of("git.corp.example.com:22 via Pomerium https://" + gatewayAuthority()
        + " (route from ~/.ssh/config ProxyCommand)", "tunnelOpening", "tunnelOpened"), events);
    assertEquals(1, testbed.gateway.requestCount());
  }

  @Test
  void anotherProxyCommandIsReportedAsRunWithItsTokensExpandedAndNoTunnel() throws Exception {
    assertTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs Debian's socat; ./test.sh installs it");
    String line = "socat - TCP:127.0.0.1:" + testbed.ssh.port() + ",nodelay # for %h:%p";
    writeSshConfig("Host git.corp.example.com", "  ProxyCommand " + line);
    try (PomeriumSshSessionFactory pomerium = plainFactory().build();
        Git clone = testbed.cloneThrough(pomerium, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
    }
    // The path holds the command as run; its words for people name the program alone (the line may hold a secret).
    String run = line.replace("%h:%p", "git.corp.example.com:22");
    assertEquals(List.of("git.corp.example.com:22 via ProxyCommand 'socat ...'"), events);
    assertEquals(ConnectionPath.proxyCommand(run), paths.get(0));
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void aHostWithNeitherRouteNorProxyCommandIsReportedAsDirect() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), testbed.ssh.hostKeyLine("127.0.0.1") + "\n");
    writeSshConfig("Host plain", "  HostName 127.0.0.1", "  Port " + testbed.ssh.port());
    try (CapturedLog log = new CapturedLog();
        PomeriumSshSessionFactory pomerium = plainFactory().build();
        Git clone = Git.cloneRepository().setURI("ssh://git@plain/" + Testbed.REPOSITORY)
            .setDirectory(dir.resolve("clone").toFile()).setTransportConfigCallback(pomerium).call()) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      assertEquals(List.of("127.0.0.1:" + testbed.ssh.port() + " directly"), events);
      assertEquals(ConnectionPath.direct(Proxy.NO_PROXY), paths.get(0));
      assertEquals(1, log.count("SSH connection to 127.0.0.1:" + testbed.ssh.port() + " goes directly"), log.text());
    }
    assertEquals(0, testbed.gateway.requestCount());
  }

  @Test
  void eachConnectionIsReportedOnce() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().noConnectionReuse().eventListener(listener).build()) {
      testbed.cloneThrough(pomerium, "clone").close();
      Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
    }
    assertEquals(2, paths.size(), events::toString);
    assertEquals(2, testbed.gateway.requestCount());
  }

  @Test
  void operationsOnASharedConnectionAreNotReportedAgain() throws Exception {
    try (PomeriumSshSessionFactory pomerium = testbed.factory().eventListener(listener).build()) {
      testbed.cloneThrough(pomerium, "clone").close();
      Git.lsRemoteRepository().setRemote(Testbed.URI).setTransportConfigCallback(pomerium).call();
    }
    assertEquals(1, paths.size(), events::toString);
    assertEquals(1, testbed.gateway.requestCount());
  }
}
