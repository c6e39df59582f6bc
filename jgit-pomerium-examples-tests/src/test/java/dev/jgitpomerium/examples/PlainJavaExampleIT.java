package dev.jgitpomerium.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.examples.ExampleProject.MavenRun;
import dev.jgitpomerium.testkit.RecordedConnect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/plain-java}, built with the real {@code mvn} and run with {@code java -cp} as its README says: the
 * program's explicit {@code SshSessionFactory.setInstance(PomeriumSshSessionFactory...)} clones a repository from an
 * SSH git server that only the Pomerium gateway reaches.
 */
class PlainJavaExampleIT {
  private static final String REPOSITORY = "group/project.git";
  private static final String CONTENT = "cloned through Pomerium by a plain Java program\n";

  @Test
  void theProgramClonesTheRepositoryThroughPomerium() throws Exception {
    ExampleProject project = ExampleProject.copy("plain-java");
    Path scratch = Files.createTempDirectory(project.directory().getParent(), "plain-java-scratch-");
    try (RoutedGitServer git = RoutedGitServer.start(scratch)) {
      String head = seed(git, scratch.resolve("seed"));

      project.mvn(Map.of(), "-q", "compile", "dependency:build-classpath", "-Dmdep.outputFile=target/classpath.txt")
          .assertSucceeded();
      String classPath = project.directory().resolve("target/classes") + ":"
          + Files.readString(project.directory().resolve("target/classpath.txt"), UTF_8).strip();
      Path clone = scratch.resolve("clone");
      Map<String, String> environment = ExampleProject.environment(
          "HOME", git.home.home().toString(),
          "POMERIUM_URL", git.gateway.url(),
          "POMERIUM_TOKEN_FILE", git.pomeriumEnvironment().get("JGIT_POMERIUM_TOKEN_FILE"),
          "POMERIUM_CA_FILE", git.pomeriumEnvironment().get("JGIT_POMERIUM_CA_FILE"));
      MavenRun run = project.run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Duser.home=" + git.home.home(), // Java takes user.home from the password database, not HOME
              "-cp", classPath, "com.example.CloneThroughPomerium", RoutedGitServer.url(REPOSITORY), clone.toString()),
          environment, Duration.ofMinutes(2)).assertSucceeded();

      assertTrue(run.lines().contains("Cloned " + RoutedGitServer.url(REPOSITORY) + " into " + clone + " at " + head),
          "the program did not report the clone of " + head + ":\n" + run.output());
      assertEquals(CONTENT, Files.readString(clone.resolve("README.txt"), UTF_8));
      List<RecordedConnect> connects = git.gateway.requests();
      assertEquals(1, connects.size(), "one clone, one tunnel: " + connects);
      assertEquals("CONNECT " + RoutedGitServer.HOST + ":22 HTTP/1.1", connects.get(0).requestLine());
      assertEquals("Pomerium " + git.token, connects.get(0).authorization());
      assertFalse(run.output().contains(git.token), "the program's output shows the token");
    }
  }

  /** Puts one commit with README.txt on the server's main branch; returns its id. */
  private static String seed(RoutedGitServer git, Path work) throws Exception {
    git.server.createBareRepository(REPOSITORY).close();
    PersonIdent author = new PersonIdent("Developer", "dev@example.com");
    try (Git repository = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
      Files.writeString(work.resolve("README.txt"), CONTENT, UTF_8);
      repository.add().addFilepattern("README.txt").call();
      String id =
          repository.commit().setMessage("A file to clone").setAuthor(author).setCommitter(author).call().name();
      repository.push().setRemote(git.server.repositoriesRoot().resolve(REPOSITORY).toUri().toString()).add("main")
          .call();
      return id;
    }
  }
}
