package dev.jgitpomerium.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;

/**
 * {@link PomeriumSshSessionFactory#newBuilder()} starts from everything a factory was built with (as OkHttp's {@code
 * client.newBuilder()}), and a built factory's configuration cannot be changed through JGit's setters.
 */
class NewBuilderTest extends TestbedTest {

  @Test
  void aFactoryFromNewBuilderClonesThroughPomeriumWithTheOriginalsRouteTokenAndTlsAndItsOwnListener()
      throws Exception {
    List<Route> opened = new CopyOnWriteArrayList<>();
    PomeriumEventListener listener = new PomeriumEventListener() {
      @Override
      public void tunnelOpened(Route route, java.time.Duration elapsed) {
        opened.add(route);
      }
    };
    try (PomeriumSshSessionFactory original = testbed.factory().build();
        PomeriumSshSessionFactory derived = original.newBuilder().eventListener(listener).build();
        Git clone = testbed.cloneThrough(derived, "clone")) {
      assertEquals(testbed.initialHead, clone.getRepository().resolve("HEAD"));
      assertEquals(List.of(Route.parse(Testbed.HOST + ":22", testbed.gateway.url())), opened);
      assertEquals(original.routes(), derived.routes());
    }
  }

  @Test
  void newBuilderAddsToTheConfigurationAndLeavesTheOriginalFactoryAsItWas() {
    try (PomeriumSshSessionFactory original = PomeriumSshSessionFactory.builder()
        .route("git.corp.example.com:22")
        .pomeriumUrl("https://pomerium.corp.example.com")
        .tokenStore(TokenStore.inMemory())
        .build();
        PomeriumSshSessionFactory derived = original.newBuilder().route("other.corp.example.com:2222").build()) {
      Route git = Route.parse("git.corp.example.com:22", "https://pomerium.corp.example.com");
      Route other = Route.parse("other.corp.example.com:2222", "https://pomerium.corp.example.com");
      assertEquals(List.of(git), original.routes());
      assertEquals(List.of(git, other), derived.routes());
      assertEquals(original.tokenStore(), derived.tokenStore());
    }
  }

  @Test
  void theDirectoriesOfABuiltFactoryAreFixedAndCarriedIntoNewBuilder() {
    File home = dir.resolve("home").toFile();
    File ssh = dir.resolve("home/ssh-elsewhere").toFile();
    try (PomeriumSshSessionFactory original = PomeriumSshSessionFactory.builder()
        .tokenStore(TokenStore.inMemory()).homeDirectory(home).sshDirectory(ssh).build();
        PomeriumSshSessionFactory derived = original.newBuilder().build()) {
      assertThrows(UnsupportedOperationException.class, () -> original.setHomeDirectory(dir.toFile()));
      assertThrows(UnsupportedOperationException.class, () -> original.setSshDirectory(dir.toFile()));
      assertEquals(home.getAbsoluteFile(), original.getHomeDirectory());
      assertEquals(home.getAbsoluteFile(), derived.getHomeDirectory());
      assertEquals(ssh.getAbsoluteFile(), derived.getSshDirectory());
    }
  }
}
