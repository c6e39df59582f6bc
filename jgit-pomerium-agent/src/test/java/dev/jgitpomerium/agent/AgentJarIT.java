package dev.jgitpomerium.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.testkit.ChildProcesses;
import dev.jgitpomerium.testkit.OpenSshUser;
import dev.jgitpomerium.testkit.PlainJGit;
import dev.jgitpomerium.testkit.RecordedConnect;
import dev.jgitpomerium.transport.PomeriumLoggers;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built {@code jgit-pomerium-agent.jar} as {@code -javaagent} of real host programs in child JVMs: stock JGit 7.8.1
 * (its own jars and slf4j-simple, nothing of this project) reaching Debian's sshd behind the test gateway, and a probe
 * with an empty class path. The host's JGit does the SSH: its key support applies (stock JGit reads no Ed25519 key
 * without an EdDSA provider, see {@code Ed25519Test}), so the user here has an RSA key; the agent only routes.
 */
class AgentJarIT {
  private static final Path AGENT = Path.of(System.getProperty("jgit-pomerium-agent.jar"));
  /** What differs between two runs of one program: timings, MINA's thread names (an identity hash, a pool number). */
  private static final Pattern VARYING = Pattern.compile("\\d+ ms|JGitSshClient\\[[0-9a-f]+]-nio2-thread-\\d+");

  @TempDir static Path work;
  static OpenSshUser fixture;
  static String stockJGit;

  @BeforeAll
  static void startSshdBehindTheGateway() throws Exception {
    fixture = OpenSshUser.start(work);
    Path key = fixture.keys.generate(fixture.user.ssh("id_rsa"), "rsa", "");
    fixture.server.authorize(Path.of(key + ".pub"));
    fixture.user.knownHosts(fixture.server.knownHostsLines(OpenSshUser.HOST) + "\n"
        + fixture.server.knownHostsLines(fixture.directHostName()));
    stockJGit = PlainJGit.stockClassPath(work);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static ChildProcesses.Result stockLsRemote(boolean withAgent, Map<String, String> environment,
      Map<String, String> systemProperties, String uri) throws Exception {
    List<String> jvm = withAgent ? List.of("-javaagent:" + AGENT) : List.of();
    return PlainJGit.lsRemote(fixture.processes, jvm, stockJGit, fixture.user.home(), environment, systemProperties,
        uri);
  }

  private static ChildProcesses.Result probe(Map<String, String> environment, String... uris) throws Exception {
    Path classes = copyClass(HostProbe.class);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-javaagent:" + AGENT, "-Duser.home=" + fixture.user.home(), "-cp", classes.toString(),
        HostProbe.class.getName()));
    command.addAll(List.of(uris));
    Map<String, String> env = new HashMap<>(environment);
    env.put("HOME", fixture.user.home().toString());
    return fixture.processes.run(fixture.user.home(), env, command);
  }

  @Test
  void aStockJGitProgramReachesTheRoutedHostThroughPomeriumWithOnlyTheAgentAndTheEnvironment() throws Exception {
    int before = fixture.environment.gateway().requestCount();

    ChildProcesses.Result result = stockLsRemote(true, fixture.pomeriumEnvironment(), Map.of(), fixture.uri());

    assertEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stdout().contains(fixture.mainRefLine()), result::describe);
    // The host's own factory did the SSH; the agent replaced nothing of JGit's.
    assertTrue(result.stderr().contains("ssh session factory: org.eclipse.jgit.transport.sshd.SshdSessionFactory"),
        result::describe);
    assertEquals(before + 1, fixture.environment.gateway().requestCount(), result::describe);
    RecordedConnect connect = fixture.environment.gateway().requests().get(before);
    assertEquals(OpenSshUser.HOST + ":22", connect.target(), result::describe);
  }

  @Test
  void aProgramWhoseHostsAreNotRoutedPrintsExactlyWhatItPrintsWithoutTheAgent() throws Exception {
    ChildProcesses.Result without = stockLsRemote(false, Map.of(), Map.of(), fixture.directUri());
    ChildProcesses.Result with = stockLsRemote(true, fixture.pomeriumEnvironment(), Map.of(), fixture.directUri());

    assertEquals(0, without.exitCode(), without::describe);
    assertEquals(without.exitCode(), with.exitCode(), with::describe);
    assertEquals(without.stdout(), with.stdout(), with::describe);
    assertEquals(VARYING.matcher(without.stderr()).replaceAll("*"), VARYING.matcher(with.stderr()).replaceAll("*"),
        with::describe);
  }

  @Test
  void theHostSeesNoneOfTheAgentsClassesNorItsSlf4jProvider() throws Exception {
    ChildProcesses.Result result = probe(fixture.pomeriumEnvironment());

    assertEquals(0, result.exitCode(), result::describe);
    for (String line : result.stdout().lines().toList()) {
      if (line.startsWith("visible class") || (line.startsWith("service files") && !line.endsWith(" 0"))) {
        throw new AssertionError("the agent shows the host " + line + "\n" + result.describe());
      }
    }
    assertEquals("", result.stderr(), result::describe);
  }

  @Test
  void theJarsClassPathRootHoldsOnlyTheBootstrap() throws IOException {
    List<String> outside = new ArrayList<>();
    try (JarFile jar = new JarFile(AGENT.toFile())) {
      jar.stream().map(e -> e.getName())
          .filter(n -> !n.startsWith(PomeriumJavaAgent.IMPLEMENTATION) && !n.endsWith("/"))
          .filter(n -> !n.equals("META-INF/MANIFEST.MF"))
          // Texts, not code: the licence must travel with the jar, and a host's class loader can do nothing with it.
          .filter(n -> !n.equals("META-INF/LICENSE") && !n.equals("META-INF/NOTICE"))
          .filter(n -> !n.matches("dev/jgitpomerium/agent/[A-Za-z]+\\.class"))
          .forEach(outside::add);
      assertTrue(outside.isEmpty(), "entries the host's class loaders would see: " + outside);
      assertTrue(jar.getEntry(PomeriumJavaAgent.IMPLEMENTATION + "org/eclipse/jgit/api/Git.class") != null);
    }
  }

  @Test
  void aBuildThatNamesTheAgentAsADependencyGetsNothingElseOnItsClassPath() throws IOException {
    String pom = Files.readString(Path.of(System.getProperty("basedir"), "pom.xml"));
    Matcher dependency = Pattern.compile("(?s)<dependency>(.*?)</dependency>").matcher(pom);
    while (dependency.find()) {
      String declaration = dependency.group(1);
      if (!declaration.contains("<scope>test</scope>")) {
        assertTrue(declaration.contains("<optional>true</optional>"),
            "the agent's pom passes this on to whoever depends on the agent:" + declaration);
      }
    }
  }

  @Test
  void theAgentLogsThroughTheHostsSlf4jAtTheHostsLevels() throws Exception {
    ChildProcesses.Result quiet = stockLsRemote(true, fixture.pomeriumEnvironment(), Map.of(), fixture.uri());
    ChildProcesses.Result debug = stockLsRemote(true, fixture.pomeriumEnvironment(),
        Map.of("org.slf4j.simpleLogger.log.dev.jgitpomerium", "debug"), fixture.uri());

    assertEquals(0, quiet.exitCode(), quiet::describe);
    assertEquals(0, debug.exitCode(), debug::describe);
    assertFalse(quiet.stderr().contains("dev.jgitpomerium"), quiet::describe);
    // slf4j-simple's format, with the agent's logger names: the host's logging, not a second one.
    assertTrue(debug.stderr().contains("DEBUG dev.jgitpomerium.agent.internal.IsolatedAgent - jgit-pomerium-agent"
        + " started; routes [" + OpenSshUser.HOST + ":22 via localhost:"), debug::describe);
    assertTrue(debug.stderr().contains("DEBUG dev.jgitpomerium.transport"), debug::describe);
    assertFalse(debug.stderr().contains("SLF4J"), debug::describe);
    assertFalse(debug.stderr().contains(Files.readString(fixture.environment.tokenFile()).strip()), debug::describe);
  }

  @Test
  void aBadConfigurationIsOneErrorThroughTheHostsLoggingAndJGitsConnectionsFailRatherThanGoDirect() throws Exception {
    Map<String, String> broken = new HashMap<>(fixture.pomeriumEnvironment());
    broken.put("JGIT_POMERIUM_URL", "not a url");
    int before = fixture.environment.gateway().requestCount();

    // A host that is reachable directly: without the agent this succeeds (aProgramWhoseHostsAreNotRouted...).
    ChildProcesses.Result result = stockLsRemote(true, broken, Map.of(), fixture.directUri());

    assertEquals(1, result.exitCode(), result::describe);
    assertFalse(result.stdout().contains(fixture.mainRefLine()), result::describe);
    assertTrue(result.stderr().contains("ERROR dev.jgitpomerium.agent.internal.IsolatedAgent - jgit-pomerium-agent not"
        + " started, JGit's SSH connections will fail: invalid jgit-pomerium setting jgit.pomerium.url (or"
        + " JGIT_POMERIUM_URL): invalid Pomerium URL 'not a url'"), result::describe);
    // And JGit's own error, the one a build log ends with, says why.
    assertTrue(Pattern.compile("failed with code 502: jgit-pomerium-agent not started: invalid jgit-pomerium setting"
        + " jgit\\.pomerium\\.url \\(or JGIT_POMERIUM_URL\\)").matcher(result.stderr()).find(), result::describe);
    assertEquals(before, fixture.environment.gateway().requestCount(), result::describe);
  }

  @Test
  void aMisspeltVariableStopsTheAgentNamingTheSettingItMeant() throws Exception {
    Map<String, String> misspelt = new HashMap<>(fixture.pomeriumEnvironment());
    misspelt.put("JGIT_POMERIUM_ROUTE", misspelt.remove("JGIT_POMERIUM_ROUTES"));

    ChildProcesses.Result result = probe(misspelt, "HTTP://" + OpenSshUser.HOST);

    assertEquals(List.of("jgit-pomerium-agent not started, JGit's SSH connections will fail: unknown jgit-pomerium"
        + " environment variable JGIT_POMERIUM_ROUTE (did you mean JGIT_POMERIUM_ROUTES?)"),
        result.stderr().lines().toList(), result::describe);
    assertTrue(Pattern.compile("proxy for HTTP://" + Pattern.quote(OpenSshUser.HOST)
        + " \\[HTTP @ (localhost)?/127\\.0\\.0\\.1:\\d+]").matcher(result.stdout()).find(), result::describe);
  }

  @Test
  void withoutSlf4jInTheHostOnlyErrorsReachStandardError() throws Exception {
    Map<String, String> broken = new HashMap<>(fixture.pomeriumEnvironment());
    broken.put("JGIT_POMERIUM_URL", "not a url");

    ChildProcesses.Result result = probe(broken, "HTTP://" + OpenSshUser.HOST, "https://" + OpenSshUser.HOST + "/");

    assertEquals(0, result.exitCode(), result::describe);
    assertEquals(List.of("jgit-pomerium-agent not started, JGit's SSH connections will fail: invalid jgit-pomerium"
            + " setting jgit.pomerium.url (or JGIT_POMERIUM_URL): invalid Pomerium URL 'not a url': Illegal character"
            + " in path"),
        result.stderr().lines().toList(), result::describe);
    // JGit's question goes to the agent's refusal (aBadConfiguration...); everything else is the JVM's as before.
    assertTrue(Pattern.compile("proxy for HTTP://" + Pattern.quote(OpenSshUser.HOST)
        + " \\[HTTP @ (localhost)?/127\\.0\\.0\\.1:\\d+]").matcher(result.stdout()).find(), result::describe);
    assertTrue(result.stdout().contains("proxy for https://" + OpenSshUser.HOST + "/ [DIRECT]"), result::describe);
  }

  @Test
  void theSelectorAnswersForRoutedHostsOnlyAndOnlyJGitsQuestions() throws Exception {
    ChildProcesses.Result result = probe(fixture.pomeriumEnvironment(), "HTTP://" + OpenSshUser.HOST,
        "socket://" + OpenSshUser.HOST, "socket://" + OpenSshUser.HOST + ":22", "https://" + OpenSshUser.HOST + "/",
        "HTTP://elsewhere.example.com");

    assertEquals(0, result.exitCode(), result::describe);
    assertTrue(Pattern.compile("proxy for HTTP://" + Pattern.quote(OpenSshUser.HOST)
        + " \\[HTTP @ (localhost)?/127\\.0\\.0\\.1:\\d+]").matcher(result.stdout()).find(), result::describe);
    assertTrue(result.stdout().contains("proxy for socket://" + OpenSshUser.HOST + " [DIRECT]"), result::describe);
    assertTrue(result.stdout().contains("proxy for socket://" + OpenSshUser.HOST + ":22 [DIRECT]"), result::describe);
    assertTrue(result.stdout().contains("proxy for https://" + OpenSshUser.HOST + "/ [DIRECT]"), result::describe);
    assertTrue(result.stdout().contains("proxy for HTTP://elsewhere.example.com [DIRECT]"), result::describe);
  }

  @Test
  void aJvmWideSocksProxyDoesNotTakeARoutedHostAroundPomerium() throws Exception {
    int before = fixture.environment.gateway().requestCount();
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    // JGit asks for a SOCKS proxy first and prefers it; this one refuses, so only the relay can succeed.
    ChildProcesses.Result result = stockLsRemote(true, fixture.pomeriumEnvironment(),
        Map.of("socksProxyHost", "127.0.0.1", "socksProxyPort", String.valueOf(closedPort)), fixture.uri());

    assertEquals(0, result.exitCode(), result::describe);
    assertEquals(before + 1, fixture.environment.gateway().requestCount(), result::describe);
  }

  @Test
  void aHostWhoseSlf4jIsInAChildClassLoaderGetsTheAgentsLogLinesAsMavenAndSpringBootDo() throws Exception {
    Path classes = copyClass(ChildLoaderHost.class);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-javaagent:" + AGENT, "-Duser.home=" + fixture.user.home(), "-Dorg.slf4j.simpleLogger.logFile=System.err",
        "-Dorg.slf4j.simpleLogger.showLogName=true", "-Dorg.slf4j.simpleLogger.log.dev.jgitpomerium=debug",
        "-cp", classes.toString(), ChildLoaderHost.class.getName(), stockJGit,
        "dev.jgitpomerium.testkit.PlainJGitLsRemote", fixture.uri()));
    Map<String, String> env = new HashMap<>(fixture.pomeriumEnvironment());
    env.put("HOME", fixture.user.home().toString());

    ChildProcesses.Result result = fixture.processes.run(fixture.user.home(), env, command);

    assertEquals(0, result.exitCode(), result::describe);
    assertTrue(result.stdout().contains(fixture.mainRefLine()), result::describe);
    assertTrue(result.stderr().contains("DEBUG " + PomeriumLoggers.TUNNEL + " - tunnel to "
        + OpenSshUser.HOST + ":22"), result::describe);
  }

  /** A copy of one test class file in a folder of its own: a class path holding nothing else. */
  private static Path copyClass(Class<?> type) throws IOException {
    Path classes = work.resolve(type.getSimpleName() + "-classes");
    String resource = type.getName().replace('.', '/') + ".class";
    Files.createDirectories(classes.resolve(resource).getParent());
    try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, classes.resolve(resource), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return classes;
  }
}
