package dev.jgitpomerium.spring;

import dev.jgitpomerium.transport.PomeriumSshSessionFactory;

/**
 * A bean of this type adjusts the builder after the {@code jgit.pomerium.*} properties were applied and before the
 * factory is built: for what only code can give (an event listener, a token source, a home directory). Called in
 * {@link org.springframework.core.annotation.Order} order.
 */
@FunctionalInterface
public interface PomeriumSshSessionFactoryCustomizer {
  /** Adjusts {@code builder}; what it sets overrides the properties. An exception fails the bean's creation. */
  void customize(PomeriumSshSessionFactory.Builder builder);
}
