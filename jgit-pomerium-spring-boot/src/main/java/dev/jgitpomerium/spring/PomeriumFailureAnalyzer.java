package dev.jgitpomerium.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link PomeriumConfigurationException} into Spring Boot's start-up report, naming the property. */
class PomeriumFailureAnalyzer extends AbstractFailureAnalyzer<PomeriumConfigurationException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, PomeriumConfigurationException cause) {
    String property = PomeriumConfigurationException.describe(cause.property(), cause.origin());
    String description = "jgit-pomerium cannot use " + property + ": " + cause.reason();
    String action = "Correct " + (cause.property() == null ? "the jgit.pomerium properties" : cause.property())
        + ": the jgit.pomerium properties take the values of jgit-pomerium's system properties of the same names (see"
        + " its README). Set jgit.pomerium.enabled=false to start without a PomeriumSshSessionFactory.";
    return new FailureAnalysis(description, action, cause);
  }
}
