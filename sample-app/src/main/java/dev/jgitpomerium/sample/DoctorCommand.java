package dev.jgitpomerium.sample;

import dev.jgitpomerium.transport.Diagnosis;
import dev.jgitpomerium.transport.HostKeyException;
import dev.jgitpomerium.transport.PomeriumException;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import dev.jgitpomerium.transport.PomeriumTlsException;
import dev.jgitpomerium.transport.SshTarget;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code doctor [URL|HOST]}: walks what a connection to a host does (the library's {@link
 * PomeriumSshSessionFactory#diagnose}) and prints each step with its time, outcome and what it saw on standard output,
 * then one verdict line and the fix for the first failing step. It signs in to nothing, asks nothing and records no
 * host key.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = {
        "Check, step by step, what a connection to a host does: ssh config, proxy, DNS, TCP, TLS, token, CONNECT, "
            + "SSH banner and host key. Prints each step, a verdict, and the fix for the first failing step.",
        "Never signs in, opens a browser, asks, or records a host key; shows no token."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:every step passed (some perhaps with a warning)",
        "1:a step failed: the verdict names it (without URL|HOST: for any of the routes)",
        "2:usage: an unknown option, URL|HOST is not an SSH URL or host, or neither it nor a route is given",
        "3:not checked: a ProxyCommand doctor does not run reaches the host"})
final class DoctorCommand implements Callable<Integer> {
  /** Nothing failed, but a connection was not followed past ssh config: not the 0 of a connection that works. */
  static final int NOT_CHECKED = 3;
  /** How a fix names this program: as the README runs it, the shaded jar (no installed command is assumed). */
  static final String PROGRAM = "java -jar jgit-pomerium.jar";

  @ParentCommand Main main;
  @Mixin PomeriumOptions pomerium;
  @Mixin SshOptions ssh;

  @Parameters(paramLabel = "URL|HOST", arity = "0..1", description = "ssh://[user@]host[:port]/path, "
      + "[user@]host:path, or a host ([user@]host). Without it: each route given by --route or JGIT_POMERIUM_ROUTES")
  String target;

  @Override
  public Integer call() throws Exception {
    PomeriumSshSessionFactory.Builder builder = PomeriumSshSessionFactory.builderFromEnvironment();
    pomerium.applyTo(builder, target != null && pomerium.namesPomerium() ? List.of(destination()) : List.of());
    ssh.applyTo(builder, main.err());
    boolean failed = false;
    boolean unchecked = false;
    try (PomeriumSshSessionFactory factory = builder.build()) {
      List<String> targets = target != null ? List.of(target) : factory.routes().stream()
          .map(r -> "ssh://" + SshTarget.hostAndPort(r.host(), r.port())).toList();
      if (targets.isEmpty()) {
        throw CliException.usage("give a URL or host to check, or routes (--route, JGIT_POMERIUM_ROUTES)", null);
      }
      for (int i = 0; i < targets.size(); i++) {
        Diagnosis diagnosis;
        try {
          diagnosis = factory.diagnose(targets.get(i));
        } catch (IllegalArgumentException e) {
          throw CliException.usage(e.getMessage(), e);
        }
        if (i > 0) {
          main.out().println();
        }
        print(diagnosis, main.out(), pomerium);
        failed |= diagnosis.firstFailure().isPresent();
        unchecked |= !diagnosis.checked();
      }
    }
    return failed ? Errors.FAILURE : unchecked ? NOT_CHECKED : 0;
  }

  /**
   * Where the connection goes after ssh config, for {@code --pomerium-url} without {@code --route}; the target as
   * given when ssh config cannot be read (the doctor then reports why, at its first step).
   */
  private String destination() {
    String host = target;
    int port = 0;
    String user = null;
    try {
      org.eclipse.jgit.transport.URIish uri = new org.eclipse.jgit.transport.URIish(
          target.contains("://") || target.indexOf(':') > 0 ? target : "ssh://" + target);
      host = uri.getHost() != null ? uri.getHost() : target;
      port = Math.max(uri.getPort(), 0);
      user = uri.getUser();
    } catch (java.net.URISyntaxException e) {
      throw CliException.usage("'" + target + "' is not an SSH URL or host: " + e.getReason(), e);
    }
    try {
      SshTarget resolved = SshTarget.resolve(Factories.sshDirectory().resolve("config"), host, port, user);
      return resolved.host() + ":" + resolved.port();
    } catch (IOException e) {
      return host + ":" + (port > 0 ? port : 22);
    }
  }

  /**
   * One block per step, then the verdict and the fix; {@code options}, the Pomerium options the doctor was given, go
   * into a command the fix suggests.
   */
  static void print(Diagnosis diagnosis, PrintStream out, PomeriumOptions options) {
    // Pomerium's URL, for the login command a fix names.
    String url = diagnosis.steps().stream().map(s -> s.failure().orElse(null))
        .filter(f -> f instanceof PomeriumException p && p.route() != null)
        .map(f -> ((PomeriumException) f).route().endpoint().url()).findFirst().orElse("<Pomerium URL>");
    out.println("jgit-pomerium doctor " + diagnosis.target());
    for (Diagnosis.Step step : diagnosis.steps()) {
      boolean ran = step.outcome() != Diagnosis.Outcome.SKIPPED && step.outcome() != Diagnosis.Outcome.NOT_APPLICABLE;
      out.println(String.format(Locale.ROOT, "%-11s %-14s %s", step.check(), outcome(step.outcome()),
          ran ? step.elapsed().toMillis() + " ms" : "").stripTrailing());
      for (String detail : step.details()) {
        detail.lines().forEach(line -> out.println("    " + line));
      }
      if (step.outcome() == Diagnosis.Outcome.WARNING) {
        step.fix().ifPresent(fix -> out.println("    fix: " + fix(step, fix, url, options, diagnosis.target())));
      }
    }
    out.println(diagnosis.verdict());
    diagnosis.firstFailure().ifPresent(step -> out.println("fix: " + fix(step, step.fix().orElse("-"), url,
        options, diagnosis.target())));
  }

  private static String outcome(Diagnosis.Outcome outcome) {
    return switch (outcome) {
      case PASSED -> "ok";
      case WARNING -> "warning";
      case FAILED -> "FAILED";
      case SKIPPED -> "skipped";
      case NOT_APPLICABLE -> "not applicable";
    };
  }

  /**
   * The library's advice names its API; the command line's names its flags and commands. A keyscan scans {@code
   * target}, the host as given, whose ssh config leads to the server (the key's name may be a HostKeyAlias that has
   * no Host block of its own).
   */
  private static String fix(Diagnosis.Step step, String fix, String url, PomeriumOptions pomerium, String target) {
    if (step.failure().orElse(null) instanceof PomeriumTlsException tls) {
      return Errors.tlsFix(tls);
    }
    if (step.failure().orElse(null) instanceof HostKeyException e && e.kind() == HostKeyException.Kind.UNKNOWN) {
      String file = e.knownHostsFile() == null ? "~/.ssh/known_hosts" : e.knownHostsFile().toString();
      PomeriumOptions.Restated options = pomerium.restated();
      String given = options.shellWords();
      // The command alone on its own line, so that it can be pasted into a shell as it is.
      return "check the fingerprint " + e.fingerprint() + " with the server's administrator, then add the key with"
          + " this command" + (options.notes().isEmpty() ? "" : " (" + String.join("; ", options.notes()) + ")")
          + ":\n    " + PROGRAM + " keyscan " + (given.isEmpty() ? "" : given + " ") + PomeriumOptions.Restated.quoted(
              target) + " >> " + PomeriumOptions.Restated.quoted(file);
    }
    if (fix.startsWith("sign in (signIn(endpoint)")) {
      return "sign in with '" + PROGRAM + " login " + url + "', or give a token (--service-account-file FILE, or "
          + "JGIT_POMERIUM_TOKEN_FILE)";
    }
    if (fix.startsWith("this looks like a CI run (")) {
      return fix.substring(0, fix.indexOf("never signs in: ") + "never signs in: ".length()) + "give the job's "
          + "identity token (--github-oidc, --bearer-token-env VARIABLE or --kubernetes-token-file FILE) or a "
          + "service-account token (--service-account-file FILE)";
    }
    String fileToRenew = "renew the token in the service-account token file";
    if (fix.startsWith(fileToRenew) && pomerium.serviceAccountFile != null) {
      return "renew the service-account token in " + pomerium.serviceAccountFile + fix.substring(fileToRenew.length());
    }
    return fix;
  }
}
