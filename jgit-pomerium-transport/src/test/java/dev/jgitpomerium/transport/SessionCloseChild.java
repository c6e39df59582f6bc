package dev.jgitpomerium.transport;

import dev.jgitpomerium.transport.internal.session.JGitSessions;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.SshdSession;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.util.FS;

/**
 * One JGit session closed on cue, in a JVM of its own that {@link SessionCloseRaceTest} debugs. Arguments: {@code
 * stock} (JGit's own factory, directly) or {@code pomerium} (this library's, through the gateway), the URL, the home
 * and .ssh directories, then for {@code pomerium} the gateway URL, its CA file and the token. Reads commands on stdin:
 * {@code poke} asks the server for a reply (a keepalive request), {@code close} disconnects the session as JGit does
 * after an operation; prints {@code ready}, {@code closed}, and {@code uncaught <thread>: <exception>} for any
 * uncaught exception.
 */
public final class SessionCloseChild {
  private SessionCloseChild() {}

  public static void main(String[] args) throws Exception {
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      System.out.println("uncaught " + thread.getName() + ": " + e);
      e.printStackTrace(System.out);
    });
    String mode = args[0];
    URIish uri = new URIish(args[1]);
    File home = new File(args[2]);
    File ssh = new File(args[3]);
    SshdSessionFactory factory = mode.equals("stock")
        ? new SshdSessionFactoryBuilder().setHomeDirectory(home).setSshDirectory(ssh).build(null)
        : PomeriumSshSessionFactory.builder()
            .route(Testbed.HOST + ":22")
            .pomeriumUrl(args[4])
            .addCaCertificates(Path.of(args[5]))
            .token(args[6])
            .tokenStore(TokenStore.inMemory())
            .interactive(false)
            .homeDirectory(home)
            .sshDirectory(ssh)
            // A session of its own, which JGit's disconnect() closes; a shared one is closed by the pool, which
            // closes it gracefully before the same disconnect().
            .noConnectionReuse()
            .build();
    SshdSession session = factory.getSession(uri, null, FS.DETECTED, 30_000);
    ClientSession client = JGitSessions.clientSession(session, uri.getHost());
    System.out.println("ready");
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String command = commands.readLine(); command != null; command = commands.readLine()) {
      switch (command) {
        case "poke" -> {
          Buffer request = client.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, 64);
          request.putString("keepalive@openssh.com");
          request.putBoolean(true);
          client.request(request, "keepalive@openssh.com", (cmd, reply) -> { });
        }
        case "close" -> {
          session.disconnect();
          System.out.println("closed");
        }
        case "exit" -> {
          factory.close();
          System.exit(0);
        }
        default -> throw new IllegalArgumentException(command);
      }
    }
  }
}
