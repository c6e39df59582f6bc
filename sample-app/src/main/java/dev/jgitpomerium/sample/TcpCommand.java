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
@Command(name = "tcp", mixinStandardHelpOptions = true, description = {
    "Tunnel TCP to DESTINATION through Pomerium, like pomerium-cli tcp.",
    "ssh_config: ProxyCommand /path/to/jgit-pomerium tcp --listen - %%h:%%p",
    "(jgit-pomerium: the launcher beside jgit-pomerium.jar; java -jar /path/to/jgit-pomerium.jar works too)"})
final class TcpCommand implements Callable<Integer> {
  /** The variables by which the library recognizes a CI run, where no sign-in may wait for a person. */

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
   * the terminal (ssh's), so a pasted address is read from /dev/tty. Whether a sign-in may wait is the library's
   * decision as for any program: not under CI, else when a browser can be shown or that terminal can be read.
   */
  private static void talkToTheTerminal(PomeriumSshSessionFactory.Builder builder, PrintStream err) {
    InputStream tty = null;
    try {
      tty = new FileInputStream("/dev/tty");
    } catch (IOException | SecurityException e) {
      // No controlling terminal: a browser can still complete the sign-in.
    }
    builder.console(tty, err);
  }

  /**
   * Whichever side ends first ends the connection, as with pomerium-cli: at the end of standard input the upload
   * closes the tunnel, which ends the download; when the server or Pomerium closes the tunnel the download ends
   * and so does the command, though standard input stays open (a read from it cannot be interrupted).
   */
  private int stdio(PomeriumSshSessionFactory factory, Route route) throws IOException {
    Socket tunnel = factory.openTunnel(route.host(), route.port());
    OutputStream toTunnel = tunnel.getOutputStream();
    Thread upload = new Thread(() -> pump(tunnel, main::stdin, toTunnel), "tcp-to-pomerium");
    upload.setDaemon(true);
    upload.start();
    pump(tunnel, tunnel::getInputStream, main.rawStdout());
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

  /** As {@link #stdio}: whichever side ends first ends both, so the local client sees the server go away. */
  private void relay(PomeriumSshSessionFactory factory, Route route, Socket local) {
    try (local; Socket tunnel = factory.openTunnel(route.host(), route.port())) {
      OutputStream toTunnel = tunnel.getOutputStream();
      Thread upload = new Thread(() -> pump(tunnel, local::getInputStream, toTunnel),
          Thread.currentThread().getName() + "-to-pomerium");
      upload.setDaemon(true);
      upload.start();
      pump(tunnel, tunnel::getInputStream, local.getOutputStream());
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
