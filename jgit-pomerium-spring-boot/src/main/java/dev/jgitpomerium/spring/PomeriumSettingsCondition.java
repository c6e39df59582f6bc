package dev.jgitpomerium.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when any jgit-pomerium setting is given (see {@link SpringSettings}) and {@code jgit.pomerium.enabled} is
 * not false: without settings an application is left exactly as it was.
 */
class PomeriumSettingsCondition extends SpringBootCondition {
  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    if (!context.getEnvironment().getProperty("jgit.pomerium.enabled", Boolean.class, true)) {
      return ConditionOutcome.noMatch("jgit.pomerium.enabled is false");
    }
    SpringSettings settings = SpringSettings.read(context.getEnvironment());
    if (settings.isEmpty()) {
      return ConditionOutcome.noMatch("no jgit.pomerium property is set");
    }
    return ConditionOutcome.match("jgit-pomerium settings " + settings.names());
  }
}
