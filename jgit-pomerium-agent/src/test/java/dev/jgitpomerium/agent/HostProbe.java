package dev.jgitpomerium.agent;

import java.net.ProxySelector;
import java.net.URI;
import java.util.Collections;

/**
 * A host program with nothing on its class path but itself: prints which classes and service files it can see and
 * what the JVM's ProxySelector answers, then returns from main (a thread the agent left running would keep the JVM
 * alive). Run from a copy of this one class file, so it uses nothing but the JDK.
 */
public final class HostProbe {
  private HostProbe() {}

  public static void main(String[] args) throws Exception {
    for (String name : new String[] {"org.slf4j.LoggerFactory", "org.slf4j.simple.SimpleServiceProvider",
        "org.eclipse.jgit.api.Git", "org.apache.sshd.client.SshClient", "okhttp3.OkHttpClient", "kotlin.Unit",
        "picocli.CommandLine", "org.bouncycastle.jce.provider.BouncyCastleProvider",
        "dev.jgitpomerium.transport.PomeriumSshSessionFactory", "dev.jgitpomerium.agent.internal.IsolatedAgent"}) {
      try {
        Class.forName(name);
        System.out.println("visible class " + name);
      } catch (ClassNotFoundException e) {
        System.out.println("hidden class " + name);
      }
    }
    for (String service : new String[] {"org.slf4j.spi.SLF4JServiceProvider",
        "org.eclipse.jgit.transport.SshSessionFactory"}) {
      int files = Collections.list(ClassLoader.getSystemResources("META-INF/services/" + service)).size();
      System.out.println("service files " + service + " " + files);
    }
    for (String uri : args) {
      System.out.println("proxy for " + uri + " " + ProxySelector.getDefault().select(URI.create(uri)));
    }
  }
}
