package dev.jgitpomerium.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.examples.ExampleProject.MavenRun;
import dev.jgitpomerium.testkit.RecordedConnect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/maven-release}, released as its README says: {@code mvn release:prepare release:perform} with
 * Maven SCM's JGit provider, the Java agent in {@code MAVEN_OPTS} and the {@code JGIT_POMERIUM_*} variables of a CI
 * job. The project's repository is on an SSH git server reached only through a Pomerium gateway; prepare pushes the
 * release commits and the tag through it, perform checks the tag out through it. The same build without the agent,
 * reaching the same server directly (a {@code Host} entry in {@code ~/.ssh/config}), is the yardstick for Maven's
 * output.
 */
class MavenReleaseExampleIT {
  private static final String REPOSITORY = "group/maven-release-example.git";
  private static final String TAG = "v1.0.0";

  /**
   * What may differ between two runs of the same build, and nothing else. A replacement of {@code null} drops the line.
   */
  private static final List<Mask> MASKS = List.of(
      new Mask("how long the build took (also in the forked builds' lines, which the release plugin prefixes with"
          + " [INFO])", "(Total time: +)\\S+ \\S+", "$1<time>"),
      new Mask("when it ended", "(Finished at: )\\S+", "$1<date>"),
      new Mask("git object ids: the release commits carry the time they were made", "\\b[0-9a-f]{40}\\b",
          "<object id>"),
      new Mask("a forked build's standard error, which holds only the terminal reset codes Maven 3.8 writes at exit:"
          + " the release plugin logs it as an empty [ERROR] line wherever its reader thread comes in",
          "\\[ERROR\\] ", null),
      new Mask("MINA sshd 2.7 (Maven SCM's) warns when the server closes an SSH channel before JGit flushed it, a"
          + " race of the two ends' timing, seen without the agent too",
          "\\[WARNING\\] exceptionCaught\\(JGitClientSession\\[.*\\]\\)\\[state=Opened\\] IOException: flush\\(\\)"
          + " Stream has been closed", null));

  private record Mask(String why, Pattern pattern, String replacement) {
    Mask(String why, String regex, String replacement) {
      this(why, Pattern.compile(regex), replacement);
    }
  }

  private static Path scratch;
  private static RoutedGitServer git;
  private static ExampleProject project;
  private static Release throughAgent;
  private static Release throughJvmConfig;
  private static Release direct;

  /**
   * One release build: what Maven printed, the CONNECTs the gateway received meanwhile, and then the pom.xml of the
   * tag and of main on the server, and of release:perform's checkout (each null if missing).
   */
  private record Release(MavenRun run, List<RecordedConnect> connects, String taggedPom, String mainPom,
      String checkedOutPom) {}

  @BeforeAll
  static void start() throws IOException {
    project = ExampleProject.copy("maven-release");
    scratch = Files.createTempDirectory(project.directory().getParent(), "maven-release-scratch-");
    git = RoutedGitServer.start(scratch);
    // The release commits are made by JGit in Maven, as this user.
    Files.writeString(git.home.home().resolve(".gitconfig"),
        "[user]\n\tname = Release Manager\n\temail = release@example.com\n", UTF_8);
  }

  @AfterAll
  static void stop() {
    if (git != null) {
      git.close();
    }
  }

  @Test
  void releaseThroughTheAgentPushesTheTagThroughPomeriumAndChecksItOutAgain() throws Exception {
    assertReleasedThroughPomerium(throughAgent());
  }

  @Test
  void mavenPrintsExactlyWhatItPrintsWithoutTheAgent() throws Exception {
    assertSameOutput(direct(), throughAgent());
  }

  @Test
  void theAgentInMvnJvmConfigReleasesThroughPomeriumAndMavenPrintsWhatItPrintsWithoutIt() throws Exception {
    Release release = throughJvmConfig();
    assertReleasedThroughPomerium(release);
    assertSameOutput(direct(), release);
  }

  private static void assertReleasedThroughPomerium(Release release) {
    release.run().assertSucceeded();
    assertNotNull(release.taggedPom(), "the server has no tag " + TAG + " after release:prepare");
    assertTrue(release.taggedPom().contains("<version>1.0.0</version>"), "the tagged pom is the release's");
    assertTrue(release.mainPom().contains("<version>1.0.1-SNAPSHOT</version>"),
        "main moved on to the next development version");
    // release:perform checked the tag out from the server, which only Pomerium reaches.
    assertNotNull(release.checkedOutPom(), "release:perform checked nothing out");
    assertTrue(release.checkedOutPom().contains("<version>1.0.0</version>"));

    assertFalse(release.connects().isEmpty(), "the gateway saw no CONNECT: the provider did not go through Pomerium");
    for (RecordedConnect connect : release.connects()) {
      assertEquals("CONNECT " + RoutedGitServer.HOST + ":22 HTTP/1.1", connect.requestLine());
      assertEquals("Pomerium " + git.token, connect.authorization());
    }
    assertFalse(release.run().output().contains(git.token), "Maven's output shows the token");
  }

  private static void assertSameOutput(Release without, Release with) {
    without.run().assertSucceeded();
    assertTrue(without.connects().isEmpty(),
        "the build without the agent went through Pomerium: " + without.connects());
    List<String> expected = masked(without.run().lines());
    List<String> actual = masked(with.run().lines());
    List<String> slf4j = actual.stream().filter(line -> line.contains("SLF4J")).toList();
    assertTrue(slf4j.isEmpty(), "with the agent Maven prints SLF4J lines it does not print without it:\n"
        + String.join("\n", slf4j));
    List<String> differences = OutputDiff.diff(expected, actual);
    assertTrue(differences.isEmpty(), "Maven's output with the agent (+) differs from its output without it (-), "
        + "beyond the masks (" + MASKS.stream().map(Mask::why).toList() + "):\n" + OutputDiff.describe(differences));
  }

  /** The CI recipe: the agent in {@code MAVEN_OPTS}, the settings in {@code JGIT_POMERIUM_*} variables. */
  private static synchronized Release throughAgent() throws Exception {
    if (throughAgent == null) {
      throughAgent =
          release("through-agent", git.pomeriumEnvironment(), "-javaagent:" + ExampleProject.agentJar(), null);
    }
    return throughAgent;
  }

  /**
   * The team recipe: the agent and its settings as system properties in the project's {@code .mvn/jvm.config}
   * (there, not committed), which the release plugin's forked builds in the project read as well.
   */
  private static synchronized Release throughJvmConfig() throws Exception {
    if (throughJvmConfig == null) {
      Map<String, String> pomerium = git.pomeriumEnvironment();
      String jvmConfig = "-javaagent:" + ExampleProject.agentJar()
          + " -Djgit.pomerium.routes=" + pomerium.get("JGIT_POMERIUM_ROUTES")
          + " -Djgit.pomerium.url=" + pomerium.get("JGIT_POMERIUM_URL")
          + " -Djgit.pomerium.tokenFile=" + pomerium.get("JGIT_POMERIUM_TOKEN_FILE")
          + " -Djgit.pomerium.caFile=" + pomerium.get("JGIT_POMERIUM_CA_FILE") + "\n";
      throughJvmConfig = release("through-jvm-config", Map.of(), "", jvmConfig);
    }
    return throughJvmConfig;
  }

  /** The yardstick: no agent, and {@value RoutedGitServer#HOST} is the same server reached directly. */
  private static synchronized Release direct() throws Exception {
    if (direct == null) {
      git.home.config(git.directSshConfig());
      try {
        direct = release("direct", git.pomeriumEnvironment(), "", null);
      } finally {
        Files.delete(git.home.ssh("config"));
      }
    }
    return direct;
  }

  /**
   * Runs the release from the same starting point each time: the example project at the same path, committed as the
   * same initial commit to a fresh repository on the server, and checked out as a developer has it; {@code
   * agentOption} goes into {@code MAVEN_OPTS}, and {@code jvmConfig}, unless null, into {@code .mvn/jvm.config}.
   */
  private static Release release(String name, Map<String, String> pomeriumEnvironment, String agentOption,
      String jvmConfig) throws Exception {
    project.reset();
    Path bare = git.server.repositoriesRoot().resolve(REPOSITORY);
    ExampleProject.deleteTree(bare);
    git.server.createBareRepository(REPOSITORY).close();
    // A fixed author and time make the initial commit the same in every run.
    PersonIdent author = new PersonIdent(new PersonIdent("Developer", "dev@example.com"),
        Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    try (Git work = Git.init().setDirectory(project.directory().toFile()).setInitialBranch("main").call()) {
      work.add().addFilepattern(".").call();
      work.commit().setMessage("The project, before its first release").setAuthor(author).setCommitter(author).call();
      work.push().setRemote(bare.toUri().toString()).add("main").call();
      work.remoteAdd().setName("origin").setUri(new URIish(RoutedGitServer.url(REPOSITORY))).call();
    }
    if (jvmConfig != null) {
      Files.writeString(Files.createDirectories(project.directory().resolve(".mvn")).resolve("jvm.config"), jvmConfig,
          UTF_8);
    }

    Map<String, String> environment = new LinkedHashMap<>(pomeriumEnvironment);
    environment.put("HOME", git.home.home().toString());
    // Java takes user.home from the password database, not HOME; the scratch home holds ~/.ssh and ~/.gitconfig.
    environment.put("MAVEN_OPTS", (agentOption + " -Duser.home=" + git.home.home()
        + " -Dmaven.repo.local=" + ExampleProject.localRepository()).strip());
    int before = git.gateway.requestCount();
    MavenRun run = project.mvn(environment, "release:prepare", "release:perform",
        "-Dgoals=validate", // perform's forked build; a real release deploys
        "-Darguments=-ntp"); // the forked builds' options
    Files.writeString(scratch.resolve(name + ".log"), run.output(), UTF_8);
    List<RecordedConnect> connects = git.gateway.requests();
    Path checkout = project.directory().resolve("target/checkout/pom.xml");
    try (Repository server = Git.open(bare.toFile()).getRepository()) {
      return new Release(run, List.copyOf(connects.subList(before, connects.size())),
          pomAt(server, "refs/tags/" + TAG + "^{commit}"), pomAt(server, "refs/heads/main"),
          Files.isRegularFile(checkout) ? Files.readString(checkout, UTF_8) : null);
    }
  }

  /** The pom.xml of a revision on the server, or null if there is no such revision. */
  private static String pomAt(Repository repository, String revision) throws IOException {
    ObjectId commitId = repository.resolve(revision);
    if (commitId == null) {
      return null;
    }
    try (RevWalk walk = new RevWalk(repository)) {
      RevCommit commit = walk.parseCommit(commitId);
      try (TreeWalk tree = TreeWalk.forPath(repository, "pom.xml", commit.getTree())) {
        return new String(repository.open(tree.getObjectId(0)).getBytes(), UTF_8);
      }
    }
  }

  private static List<String> masked(List<String> lines) {
    List<String> masked = new ArrayList<>(lines.size());
    lines:
    for (String line : lines) {
      for (Mask mask : MASKS) {
        Matcher matcher = mask.pattern().matcher(line);
        if (mask.replacement() == null) {
          if (matcher.matches()) {
            continue lines;
          }
        } else {
          line = matcher.replaceAll(mask.replacement());
        }
      }
      masked.add(line);
    }
    return masked;
  }
}
