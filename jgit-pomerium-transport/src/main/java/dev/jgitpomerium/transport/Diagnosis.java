package dev.jgitpomerium.transport;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link PomeriumSshSessionFactory#diagnose(String)} found: the steps a connection to one host takes, in order,
 * each with its outcome, its time and what it saw. The first step that fails carries the failure and the fix; the
 * steps after it are {@link Outcome#SKIPPED}. Immutable; no token or other secret appears in it.
 *
 * @param target the host (and port, when not 22) as given to {@code diagnose}
 * @param steps one per {@link Check}, in the order of the enum
 */
public record Diagnosis(String target, List<Step> steps) {
  /** The checks, in the order a connection makes them. */
  public enum Check {
    /** {@code ~/.ssh/config} as OpenSSH reads it: HostName, Port, User, ProxyCommand, and the route it gives. */
    SSH_CONFIG,
    /** The forward proxy chosen for the Pomerium hop (and which setting chose it), or none. */
    PROXY,
    /** The addresses of Pomerium's host (or of the SSH server, for a direct connection). */
    DNS,
    /** The TCP connection, and the address it reached. */
    TCP,
    /** TLS to Pomerium: protocol, cipher, the certificate chain with its expiry, the host-name check. */
    TLS,
    /** The token sent to Pomerium: where it came from and when it expires, never its value. */
    TOKEN,
    /** Pomerium's answer to {@code CONNECT host:port}, and what it means. */
    CONNECT,
    /** The SSH server's identification string, the first line it sends. */
    SSH_BANNER,
    /** The server's host key against {@code known_hosts}: matched, unknown, changed or revoked. */
    HOST_KEY
  }

  /** How a step ended. */
  public enum Outcome {
    /** The step worked. */
    PASSED,
    /** The step worked, with something to look at (a certificate about to expire, no token to send). */
    WARNING,
    /** The step failed: a connection fails here. */
    FAILED,
    /** Not tried, because an earlier step failed. */
    SKIPPED,
    /** Not part of this connection's way (no proxy, or a ProxyCommand the doctor does not run). */
    NOT_APPLICABLE
  }

  /**
   * One step.
   *
   * @param check which step
   * @param outcome how it ended
   * @param elapsed how long it took ({@link Duration#ZERO} when not tried)
   * @param details what it saw, one line each (addresses, certificates, the answer, the key)
   * @param failure for a failed step, the failure a connection would report (a {@link PomeriumException}, a {@link
   *     HostKeyException}, an {@link SshConfigException}, ...), when there is one
   * @param fix for a failed step, or one with a warning, what to do
   */
  public record Step(Check check, Outcome outcome, Duration elapsed, List<String> details, Optional<Exception> failure,
      Optional<String> fix) {
    /** Copies {@code details}; requires every component. */
    public Step {
      Objects.requireNonNull(check, "check");
      Objects.requireNonNull(outcome, "outcome");
      Objects.requireNonNull(elapsed, "elapsed");
      details = List.copyOf(details);
      Objects.requireNonNull(failure, "failure");
      Objects.requireNonNull(fix, "fix");
    }

    /** Whether a connection fails at this step. */
    public boolean failed() {
      return outcome == Outcome.FAILED;
    }
  }

  /** Copies {@code steps}. */
  public Diagnosis {
    Objects.requireNonNull(target, "target");
    steps = List.copyOf(steps);
  }

  /**
   * Whether the connection was followed past ssh config and no step failed (warnings allowed): false for a host
   * behind a ProxyCommand the doctor does not run, which was not {@link #checked()}.
   */
  public boolean ok() {
    return firstFailure().isEmpty() && checked();
  }

  /**
   * Whether any step after {@link Check#SSH_CONFIG} ran: false when every one of them is {@link
   * Outcome#NOT_APPLICABLE} (a host reached through a ProxyCommand other than pomerium-cli's, which the doctor does
   * not run), so nothing says whether a connection would work.
   */
  public boolean checked() {
    return steps.stream().anyMatch(s -> s.check() != Check.SSH_CONFIG && s.outcome() != Outcome.NOT_APPLICABLE)
        || firstFailure().isPresent();
  }

  /** The step where a connection fails, if any. */
  public Optional<Step> firstFailure() {
    return steps.stream().filter(Step::failed).findFirst();
  }

  /** The step for {@code check}. */
  public Step step(Check check) {
    return steps.stream().filter(s -> s.check() == check).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no step " + check));
  }

  /**
   * One line: {@code OK: ...} when every step passed, {@code OK with warnings: ...}, {@code FAILED at TLS: ...}
   * with the first failure's first detail, or {@code NOT CHECKED: ...} with why, when nothing past ssh config ran.
   */
  public String verdict() {
    Optional<Step> failed = firstFailure();
    if (failed.isPresent()) {
      Step step = failed.get();
      if (step.failure().orElse(null) instanceof HostKeyException e && e.kind() != HostKeyException.Kind.UNKNOWN) {
        // OpenSSH's text for these opens with a banner of '@': the verdict says what it means instead.
        String where = (e.knownHostsFile() == null ? "known_hosts" : e.knownHostsFile().toString())
            + (e.line() > 0 ? " line " + e.line() : "");
        return "FAILED at " + step.check() + ": " + (e.kind() == HostKeyException.Kind.CHANGED
            ? "the host key of " + e.host() + " has changed: the server offered the " + e.keyType() + " key "
                + e.fingerprint() + ", and " + where + " holds another"
            : "the host key of " + e.host() + " (" + e.keyType() + " " + e.fingerprint() + ") is revoked in "
                + where);
      }
      String why = step.failure().map(Throwable::getMessage)
          .map(m -> step.failure().get() instanceof PomeriumException p ? p.what() : m.lines().findFirst().orElse(m))
          .orElse(step.details().isEmpty() ? "" : step.details().get(step.details().size() - 1));
      return "FAILED at " + step.check() + ": " + why;
    }
    if (!checked()) {
      return "NOT CHECKED: " + steps.stream().filter(s -> s.outcome() == Outcome.NOT_APPLICABLE)
          .flatMap(s -> s.details().stream()).findFirst().orElse("no step after ssh config ran");
    }
    boolean warned = steps.stream().anyMatch(s -> s.outcome() == Outcome.WARNING);
    return (warned ? "OK with warnings: " : "OK: ") + "a connection to " + target + " would work";
  }
}
