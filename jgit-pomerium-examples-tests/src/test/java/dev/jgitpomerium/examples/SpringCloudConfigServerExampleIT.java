package dev.jgitpomerium.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.GitSshServer;
import dev.jgitpomerium.testkit.PomeriumGateway;
import dev.jgitpomerium.testkit.RecordedConnect;
import dev.jgitpomerium.testkit.UserHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/spring-cloud-config-server}, built with the real mvn as a user would build it, runs as its own
 * process ({@code java -jar}) and serves the properties of a configuration repository that it reads over SSH through
 * the testkit's Pomerium gateway (TLS, a token required), with the JGit and MINA sshd versions Spring Cloud brings.
 */
class SpringCloudConfigServerExampleIT {
  private static final String HOST = "git.corp.example.com";
  private static final String TOKEN = "config-server-service-account-jwt";
  /** What Spring Cloud 2025.1.x pins (spring-cloud-config-dependencies), not what jgit-pomerium is built with. */
  private static final Pattern SPRING_CLOUDS_JGIT = Pattern.compile("org\\.eclipse\\.jgit-7\\.4\\.\\d+\\..*\\.jar");
  private static final Pattern SPRING_CLOUDS_SSHD = Pattern.compile("sshd-osgi-2\\.16\\.\\d+\\.jar");
  private static final Pattern STARTED = Pattern.compile("Tomcat started on port\\D*(\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void configServerServesTheRepositoryBehindPomeriumWithSpringCloudsJGitAndSshd() throws Exception {
    ExampleProject example = ExampleProject.copy("spring-cloud-config-server");
    assertPinsTheVersionsThisBuildTestsWith(example.directory().resolve("pom.xml"));

    try (GitSshServer ssh = GitSshServer.start(dir.resolve("server"));
        PomeriumGateway gateway = PomeriumGateway.builder().requireToken(TOKEN).route(HOST + ":22", ssh.address())
            .start()) {
      ObjectId commit = createConfigRepository(ssh);
      Path ca = gateway.writeCaCertificate(dir.resolve("pomerium-ca.pem"));
      Path tokenFile = Files.writeString(dir.resolve("pomerium-token"), TOKEN + "\n");
      UserHome home = new UserHome(dir.resolve("home"));
      ssh.writeUserIdentity(home.ssh());
      home.knownHosts(HOST + " " + PublicKeyEntry.toString(ssh.hostPublicKey()));

      example.mvn(ExampleProject.environment(), "-q", "package").assertSucceeded();
      Path jar = bootJar(example.directory());
      assertRunsOnSpringCloudsJGitAndSshd(jar);

      ProcessBuilder server = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Duser.home=" + home.home(),   // JGit finds ~/.ssh through user.home
          "-jar", jar.toString(),
          "--server.port=0",
          "--jgit.pomerium.url=" + gateway.url(),
          "--jgit.pomerium.ca-file=" + ca,
          "--jgit.pomerium.token-file=" + tokenFile,
          "--spring.cloud.config.server.git.basedir=" + dir.resolve("config-server-clones"))
          .directory(example.directory().toFile())
          .redirectErrorStream(true);
      server.environment().put("HOME", home.home().toString());
      server.environment().keySet().removeIf(name -> name.startsWith("JGIT_POMERIUM_") || name.equals("JAVA_TOOL_OPTIONS"));
      RunningServer running = RunningServer.start(server);
      try {
        int port = running.awaitPort(START_TIMEOUT);
        int connectsBefore = gateway.requestCount();

        HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/demo/default"))
                .timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body() + "\n" + running.output());
        String body = response.body();
        assertTrue(body.contains("\"version\":\"" + commit.name() + "\""), body);
        assertTrue(body.contains("\"greeting\":\"hello through Pomerium\""), body);    // demo.properties
        assertTrue(body.contains("\"shared.colour\":\"blue\""), body);                 // application.yml
        assertTrue(body.contains("ssh://git@" + HOST + "/config-repo.git"), body);

        List<RecordedConnect> connects = gateway.requests().subList(connectsBefore, gateway.requestCount());
        assertFalse(connects.isEmpty(), "Config Server's clone did not reach the gateway");
        for (RecordedConnect connect : connects) {
          assertEquals("CONNECT", connect.method());
          assertEquals(HOST + ":22", connect.target());
          assertTrue(("Pomerium " + TOKEN).equals(connect.authorization()), "CONNECT without the service-account token");
        }
      } finally {
        running.stop(STOP_TIMEOUT);
        // Kept beside the build's run-<n>.log for a failing test's report.
        Files.writeString(example.directory().resolve("server.log"), running.output(), UTF_8);
      }

      String output = running.output();
      assertFalse(output.contains(TOKEN), "the token appears in the server's output");
      assertFalse(output.contains("multiple SLF4J providers"), output);
      assertFalse(output.contains("SLF4J(W)"), output);
      assertTrue(output.contains("Started ConfigServerApplication"), output);
      assertFalse(Pattern.compile("(?m)^\\S+\\s+(ERROR|WARN)\\b").matcher(output).find(),
          "the server logged a warning or an error:\n" + output);
    }
  }

  /** {@code config-repo.git} on the SSH server with {@code application.yml} and {@code demo.properties} on main. */
  private ObjectId createConfigRepository(GitSshServer ssh) throws Exception {
    ssh.createBareRepository("config-repo.git").close();
    Path work = dir.resolve("config-repo-work");
    try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
      Files.writeString(work.resolve("application.yml"), "shared:\n  colour: blue\n", UTF_8);
      Files.writeString(work.resolve("demo.properties"), "greeting=hello through Pomerium\n", UTF_8);
      git.add().addFilepattern(".").call();
      ObjectId commit = git.commit().setMessage("Configuration for demo").setAuthor("Config", "config@example.com")
          .setCommitter("Config", "config@example.com").setSign(false).call().getId();
      git.push().setRemote(ssh.repositoriesRoot().resolve("config-repo.git").toUri().toString())
          .add("main").call();
      return commit;
    }
  }

  /** The example names the Spring Boot and Spring Cloud versions this build's auto-configuration is tested with. */
  private static void assertPinsTheVersionsThisBuildTestsWith(Path pom) throws IOException {
    String text = Files.readString(pom, UTF_8);
    String boot = System.getProperty("spring-boot.version");
    String cloud = System.getProperty("spring-cloud.version");
    assertTrue(text.contains("<artifactId>spring-boot-starter-parent</artifactId>\n    <version>" + boot + "</version>"),
        "examples/spring-cloud-config-server/pom.xml should have Spring Boot " + boot + " as its parent");
    assertTrue(text.contains("<spring-cloud.version>" + cloud + "</spring-cloud.version>"),
        "examples/spring-cloud-config-server/pom.xml should import Spring Cloud " + cloud);
  }

  private static Path bootJar(Path project) throws IOException {
    try (Stream<Path> files = Files.list(project.resolve("target"))) {
      List<Path> jars = files.filter(f -> f.toString().endsWith(".jar")).toList();
      assertEquals(1, jars.size(), "one jar in target/: " + jars);
      return jars.get(0);
    }
  }

  /** The jar's class path holds Spring Cloud's JGit and sshd-osgi, once each, and no sshd-core/sshd-common. */
  private static void assertRunsOnSpringCloudsJGitAndSshd(Path jar) throws IOException {
    List<String> libraries = new ArrayList<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("BOOT-INF/lib/"))
          .forEach(n -> libraries.add(n.substring("BOOT-INF/lib/".length())));
    }
    List<String> jgit = libraries.stream().filter(n -> n.startsWith("org.eclipse.jgit-")).toList();
    List<String> sshd = libraries.stream().filter(n -> n.startsWith("sshd-")).toList();
    assertEquals(1, jgit.size(), "one org.eclipse.jgit: " + jgit);
    assertTrue(SPRING_CLOUDS_JGIT.matcher(jgit.get(0)).matches(), "Spring Cloud's JGit 7.4: " + jgit);
    assertTrue(libraries.stream().anyMatch(n -> n.startsWith("org.eclipse.jgit.ssh.apache-7.4.")), libraries.toString());
    assertTrue(sshd.stream().anyMatch(n -> SPRING_CLOUDS_SSHD.matcher(n).matches()), "Spring Cloud's sshd 2.16: " + sshd);
    assertTrue(sshd.stream().noneMatch(n -> n.startsWith("sshd-core-") || n.startsWith("sshd-common-")),
        "sshd-osgi holds sshd-core and sshd-common; a second copy beside it: " + sshd);
    assertTrue(libraries.stream().anyMatch(n -> n.startsWith("jgit-pomerium-spring-boot-")), libraries.toString());
  }

  /** The server process, its output collected line by line, and the port it reports once Tomcat is up. */
  private static final class RunningServer {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final Thread reader;

    private RunningServer(Process process) {
      this.process = process;
      this.reader = new Thread(this::read, "config-server-output");
      reader.setDaemon(true);
      reader.start();
      process.onExit().thenRun(() -> port.completeExceptionally(
          new AssertionError("the server exited (" + process.exitValue() + ") before it started")));
    }

    static RunningServer start(ProcessBuilder builder) throws IOException {
      Process process = builder.start();
      process.getOutputStream().close();
      return new RunningServer(process);
    }

    private void read() {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          output.append(line).append('\n');
          Matcher started = STARTED.matcher(line);
          if (started.find()) {
            port.complete(Integer.parseInt(started.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
    }

    int awaitPort(Duration timeout) throws Exception {
      try {
        return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new AssertionError("the Config Server did not start within " + timeout + ":\n" + output(), e);
      }
    }

    /** Stops it as a service manager does (SIGTERM), and waits for it and for the last of its output. */
    void stop(Duration timeout) throws InterruptedException {
      process.destroy();
      boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!ended) {
        process.destroyForcibly().waitFor();
      }
      reader.join(timeout.toMillis());
      assertTrue(ended, "the Config Server did not stop within " + timeout + " of SIGTERM:\n" + output());
    }

    String output() {
      return output.toString();
    }
  }
}
