package dev.jgitpomerium.spring;

import dev.jgitpomerium.transport.InvalidSettingException;
import dev.jgitpomerium.transport.PomeriumSshSessionFactory;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * With {@code jgit.pomerium.*} properties set (in any of Spring's forms, including jgit-pomerium's own {@code
 * JGIT_POMERIUM_*} environment variables), the application gets a {@link PomeriumSshSessionFactory} bean, closed
 * with the context. It is a JGit {@link
 * TransportConfigCallback}: Spring Cloud Config Server uses such a bean for every git repository it reads; other code
 * passes it to {@code setTransportConfigCallback} or {@code SshSessionFactory.setInstance}. JVM-wide JGit state is
 * left alone.
 *
 * <p>An application's own {@link PomeriumSshSessionFactory} or {@link TransportConfigCallback} bean wins: this one is
 * then not made (two {@code TransportConfigCallback} beans would leave Config Server unable to choose).
 */
@AutoConfiguration
@Conditional(PomeriumSettingsCondition.class)
public class PomeriumAutoConfiguration {

  /**
   * The factory from the settings, adjusted by the application's {@link PomeriumSshSessionFactoryCustomizer} beans.
   *
   * @throws PomeriumConfigurationException naming the property whose value cannot be used
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean({PomeriumSshSessionFactory.class, TransportConfigCallback.class})
  public PomeriumSshSessionFactory pomeriumSshSessionFactory(Environment environment,
      ObjectProvider<PomeriumSshSessionFactoryCustomizer> customizers) {
    SpringSettings settings = SpringSettings.read(environment);
    PomeriumSshSessionFactory.Builder builder;
    try {
      builder = PomeriumSshSessionFactory.builderFromSettings(settings::value);
    } catch (InvalidSettingException e) {
      SpringSettings.Setting setting = settings.get(e.setting());
      throw new PomeriumConfigurationException(setting.property(), setting.origin(), e.reason(), e);
    }
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      // What only the settings together decide (a route with the Pomerium URL, the TLS set-up).
      throw new PomeriumConfigurationException(null, null, e.getMessage(), e);
    }
  }
}
