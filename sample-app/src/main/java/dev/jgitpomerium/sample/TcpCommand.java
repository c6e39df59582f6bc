package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.Route;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code tcp}: pomerium-cli's {@code tcp}, in the JVM. With {@code --listen -} one tunnel runs over standard input
 * and output, so that OpenSSH (and git, and Jenkins' command-line git) can use it as a ProxyCommand; otherwise it
 * serves a local port, each accepted connection its own tunnel, with one shared sign-in.
 */
@Command(name = "tcp", mixinStandardHelpOptions = true, description = {"Tunnel TCP to DESTINATION through Pomerium, like pomerium-cli tcp.",
    "ssh_config: ProxyCommand java -jar /path/to/jgit-pomerium.jar tcp --listen - %%h:%%p"})
final class TcpCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;

  @Option(names = "--listen", paramLabel = "ADDR", defaultValue = "127.0.0.1:0",
      description = "'-' for standard input/output, or host:port to listen on (default: ${DEFAULT-VALUE})")
  String listen;

  @Parameters(paramLabel = "DESTINATION",
      description = "host:port, tcp+https://host:port or tcp+https://pomerium[:port]/host:port")
  String destination;

  @Override
  public Integer call() throws Exception {
    Route route = Route.parse(destination, pomerium.pomeriumUrl);
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builderFromEnvironment();
    pomerium.applyTo(builder, List.of(destination));
    talkToTheTerminal(builder, main.err());
    try (PomeriumSshSessionFactory factory = builder.build()) {
      if (listen.equals("-")) {
        return stdio(factory, route);
      }
      return serve(factory, route);
    }
  }

  /**
   * As a ProxyCommand, standard input and output are ssh's pipes, so the JVM sees no console; the user is still at
   * the terminal (ssh's), so sign-in may wait for them and a pasted address is read from /dev/tty. Not under CI.
   */
  private static void talkToTheTerminal(PomeriumSshSessionFactory.Builder builder, PrintStream err) {
    if (System.getenv("CI") != null || System.getenv("JGIT_POMERIUM_INTERACTIVE") != null) {
      return;
    }
    InputStream tty = null;
    try {
      tty = new FileInputStream("/dev/tty");
    } catch (IOException | SecurityException e) {
      // No controlling terminal: a browser can still complete the sign-in.
    }
    builder.interactive(true).console(tty, err);
  }

  private int stdio(PomeriumSshSessionFactory factory, Route route) throws IOException, InterruptedException {
    Socket tunnel = factory.openTunnel(route.host(), route.port());
    OutputStream stdout = main.rawStdout();
    Thread download = new Thread(() -> pump(tunnel, tunnel::getInputStream, stdout), "tcp-from-pomerium");
    download.setDaemon(true);
    download.start();
    try {
      main.stdin().transferTo(tunnel.getOutputStream());
    } catch (IOException e) {
      // The tunnel or our input ended; either way the connection is over.
    } finally {
      tunnel.close();
    }
    download.join(5_000);
    return 0;
  }

  private int serve(PomeriumSshSessionFactory factory, Route route) throws IOException {
    InetSocketAddress address = listenAddress(listen);
    try (ServerSocket server = new ServerSocket(address.getPort(), 50, address.getAddress())) {
      main.err().println("Listening on " + server.getInetAddress().getHostAddress() + ":" + server.getLocalPort()
          + "; each connection is tunnelled to " + route.destination() + " through Pomerium at " + route.endpoint());
      AtomicInteger ids = new AtomicInteger();
      while (true) {
        Socket local = server.accept();
        Thread connection = new Thread(() -> relay(factory, route, local), "tcp-connection-" + ids.incrementAndGet());
        connection.setDaemon(true);
        connection.start();
      }
    }
  }

  private void relay(PomeriumSshSessionFactory factory, Route route, Socket local) {
    try (local; Socket tunnel = factory.openTunnel(route.host(), route.port())) {
      OutputStream toLocal = local.getOutputStream();
      Thread download = new Thread(() -> pump(tunnel, tunnel::getInputStream, toLocal),
          Thread.currentThread().getName() + "-from-pomerium");
      download.setDaemon(true);
      download.start();
      local.getInputStream().transferTo(tunnel.getOutputStream());
    } catch (IOException | RuntimeException e) {
      main.err().println("jgit-pomerium: connection from " + local.getRemoteSocketAddress() + ": "
          + Errors.describe(e));
    }
  }

  /** A stream supplier that may throw. */
  @FunctionalInterface
  private interface Source {
    InputStream get() throws IOException;
  }

  /** Copies until either side ends, then closes the tunnel so the other direction ends too. */
  private static void pump(Socket tunnel, Source from, OutputStream to) {
    try {
      InputStream in = from.get();
      byte[] buffer = new byte[32 * 1024];
      int n;
      while ((n = in.read(buffer)) != -1) {
        to.write(buffer, 0, n);
        to.flush();
      }
    } catch (IOException e) {
      // Closed by the other direction, or the peer went away.
    } finally {
      try {
        tunnel.close();
      } catch (IOException ignored) {
        // Nothing more to do.
      }
    }
  }

  static InetSocketAddress listenAddress(String listen) throws IOException {
    int colon = listen.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("--listen needs host:port or '-', not '" + listen + "'");
    }
    String host = listen.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen port is not a number: '" + listen + "'", e);
    }
    InetAddress address = host.isEmpty() ? InetAddress.getLoopbackAddress()
        : InetAddress.getByName(host.replace("[", "").replace("]", ""));
    return new InetSocketAddress(address, port);
  }
}
