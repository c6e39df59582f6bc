package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The jgit-pomerium command line: git through Pomerium with JGit, a pomerium-cli-compatible {@code tcp} tunnel (for
 * ssh's ProxyCommand or a local port), sign-in management, and a self-contained demo.
 *
 * <p>Standard output carries only program output (and, in {@code tcp --listen -}, only the tunnel's bytes); messages,
 * progress and logs go to standard error.
 */
@Command(name = "jgit-pomerium", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    description = "Git over SSH through Pomerium, in the JVM: no pomerium-cli needed.")
public final class Main implements Callable<Integer> {
  /** The commands, in the order the usage lists them. */
  private static final List<Class<?>> COMMANDS = List.of(CloneCommand.class, FetchCommand.class, PushCommand.class,
      LsRemoteCommand.class, LoginCommand.class, LogoutCommand.class, StatusCommand.class, TcpCommand.class,
      KeyscanCommand.class, DemoCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class);

  @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
      description = "Say which way each SSH connection goes (through Pomerium, a ProxyCommand, or directly), show "
          + "the log of JGit, MINA sshd and jgit-pomerium, and the stack trace of a failure")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final InputStream stdin;
  private final OutputStream stdout;
  private final PrintStream out;
  private final PrintStream err;

  Main(InputStream stdin, OutputStream stdout, OutputStream stderr) {
    this.stdin = stdin;
    this.stdout = stdout;
    this.out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
    this.err = stderr instanceof PrintStream p ? p : new PrintStream(stderr, true, StandardCharsets.UTF_8);
  }

  public static void main(String[] args) {
    // The raw descriptor: System.out is a PrintStream that may translate or buffer, and tcp needs exact bytes.
    // Every JGit command asks its passphrase and host-key questions as OpenSSH would, when anything can ask.
    org.eclipse.jgit.transport.CredentialsProvider.setDefault(TerminalPrompts.fromEnvironment(System::getenv));
    int status = run(args, System.in, new FileOutputStream(FileDescriptor.out), System.err);
    System.exit(status);
  }

  /** Runs one command line; returns the exit status. */
  static int run(String[] args, InputStream stdin, OutputStream stdout, OutputStream stderr) {
    Main main = new Main(stdin, stdout, stderr);
    CommandLine cli = new CommandLine(main);
    for (Class<?> command : commandsFor(args)) {
      cli.addSubcommand(command);
    }
    cli.setOut(new PrintWriter(main.out, true));
    cli.setErr(new PrintWriter(main.err, true));
    CliLog.Run[] log = new CliLog.Run[1];
    // -v is known once the line is parsed; the logs of everything the command runs go to this run's stderr.
    cli.setExecutionStrategy(parseResult -> {
      log[0] = CliLog.startRun(main.err, main.verbose);
      return new CommandLine.RunLast().execute(parseResult);
    });
    cli.setExecutionExceptionHandler((failure, commandLine, parseResult) -> {
      main.err.println("jgit-pomerium: " + Errors.describe(failure,
          log[0] == null ? List.of() : log[0].proxyCommandLines()));
      if (main.verbose) {
        failure.printStackTrace(main.err);
      }
      return Errors.exitCode(failure);
    });
    return cli.execute(args);
  }

  /**
   * Only tcp when the line runs tcp: as ssh's ProxyCommand it starts a JVM per connection, and picocli's model of
   * every other command (reflection over each, in picocli's classes, which no class-data archive can hold) cost as
   * much as the rest of its start. tcp parses, fails and prints its usage the same either way.
   */
  static List<Class<?>> commandsFor(String[] args) {
    for (String arg : args) {
      if (!arg.startsWith("-")) {
        return arg.equals("tcp") ? List.of(TcpCommand.class) : COMMANDS;
      }
    }
    return COMMANDS;
  }

  /** No command: a usage error, as an unknown one is (the usage on stderr, status 2). */
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required command");
  }

  /** Standard output, for program output only. */
  PrintStream out() {
    return out;
  }

  /** Standard error: messages, progress, the sign-in address. */
  PrintStream err() {
    return err;
  }

  InputStream stdin() {
    return stdin;
  }

  OutputStream rawStdout() {
    return stdout;
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"jgit-pomerium " + PomeriumSshSessionFactory.version()};
    }
  }
}
