package dev.jgitpomerium.transport.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgitpomerium.transport.PomeriumEndpoint;
import dev.jgitpomerium.transport.PomeriumToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pomerium-cli's token cache, byte for byte (jwt/jwtcache.go). */
class FileTokenStoreTest {
  private static final PomeriumEndpoint SSH_EXAMPLE = PomeriumEndpoint.of("ssh.example.com", 443);

  @TempDir Path dir;

  @Test
  void fileNameIsBase36OfTheHmacOfTheCacheKeyAsPomeriumCliComputesIt() {
    // The vector from pomerium-protocol.md §3, computed with pomerium-cli's algorithm.
    assertEquals("ssh.example.com:443|true", FileTokenStore.cacheKey(SSH_EXAMPLE));
    assertEquals("1AR7EOBHDU9OSX6AI4FDAUUMSYE69DY7ZWXX7J2PTU9G6DNXQ.jwt",
        FileTokenStore.fileName("ssh.example.com:443|true"));
  }

  @Test
  void storesTheRawTokenInAFileOnlyTheUserCanReadInADirectoryOnlyTheUserCanEnter() throws IOException {
    Path cache = dir.resolve("cache/pomerium-cli/jwts");
    FileTokenStore store = new FileTokenStore(cache);
    store.store(SSH_EXAMPLE, PomeriumToken.pomerium("header.payload.signature"));

    Path file = cache.resolve("1AR7EOBHDU9OSX6AI4FDAUUMSYE69DY7ZWXX7J2PTU9G6DNXQ.jwt");
    assertEquals("header.payload.signature", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.getParent())));
    try (Stream<Path> files = Files.list(cache)) {
      assertEquals(1, files.count(), "no temporary file is left behind");
    }
  }

  @Test
  void readsATokenThatPomeriumCliWrote() throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("1AR7EOBHDU9OSX6AI4FDAUUMSYE69DY7ZWXX7J2PTU9G6DNXQ.jwt"), "cli.written.jwt");
    assertEquals(PomeriumToken.pomerium("cli.written.jwt"), new FileTokenStore(dir).load(SSH_EXAMPLE));
  }

  @Test
  void replacesAnExistingToken() throws IOException {
    FileTokenStore store = new FileTokenStore(dir);
    store.store(SSH_EXAMPLE, PomeriumToken.pomerium("first.token.value"));
    store.store(SSH_EXAMPLE, PomeriumToken.pomerium("second.token.value"));
    assertEquals(PomeriumToken.pomerium("second.token.value"), store.load(SSH_EXAMPLE));
  }

  @Test
  void garbageEmptyOrUnreadableContentCountsAsNoToken() throws IOException {
    FileTokenStore store = new FileTokenStore(dir);
    Path file = store.file(SSH_EXAMPLE);
    Files.write(file, new byte[] {0, 1, 2, 'x', '\n', 'y'});
    assertNull(store.load(SSH_EXAMPLE));
    Files.writeString(file, "  \n");
    assertNull(store.load(SSH_EXAMPLE));
    Files.writeString(file, "a.b.c");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    if (!Files.isReadable(file)) { // root reads anything
      assertNull(store.load(SSH_EXAMPLE));
    }
  }

  @Test
  void aTokenWhoseExpiryHasPassedCountsAsNoToken() throws IOException {
    FileTokenStore store = new FileTokenStore(dir);
    store.store(SSH_EXAMPLE, PomeriumToken.pomerium(jwt("{\"sub\":\"u\",\"exp\":1000000000}")));
    assertNull(store.load(SSH_EXAMPLE));
    String live = jwt("{\"sub\":\"u\",\"exp\":" + (System.currentTimeMillis() / 1000 + 3600) + "}");
    store.store(SSH_EXAMPLE, PomeriumToken.pomerium(live));
    assertEquals(PomeriumToken.pomerium(live), store.load(SSH_EXAMPLE));
  }

  @Test
  void discardKeepsATokenThatAnotherProcessStoredMeanwhile() throws IOException {
    FileTokenStore store = new FileTokenStore(dir);
    store.store(SSH_EXAMPLE, PomeriumToken.pomerium("fresh.from.elsewhere"));
    store.discard(SSH_EXAMPLE, PomeriumToken.pomerium("rejected.old.token"));
    assertEquals(PomeriumToken.pomerium("fresh.from.elsewhere"), store.load(SSH_EXAMPLE));
    store.discard(SSH_EXAMPLE, PomeriumToken.pomerium("fresh.from.elsewhere"));
    assertNull(store.load(SSH_EXAMPLE));
    assertTrue(Files.notExists(store.file(SSH_EXAMPLE)));
  }

  @Test
  void usesTheSameCacheDirectoryAsPomeriumCliOnEachSystem() {
    Map<String, String> env = Map.of("XDG_CACHE_HOME", "/xdg", "LocalAppData", "C:\\Users\\u\\AppData\\Local");
    assertEquals(Path.of("/xdg"), FileTokenStore.userCacheDirectory("Linux", env::get, "/home/u"));
    assertEquals(Path.of("/home/u/.cache"), FileTokenStore.userCacheDirectory("Linux", n -> null, "/home/u"));
    assertEquals(Path.of("/home/u/.cache"),
        FileTokenStore.userCacheDirectory("Linux", Map.of("XDG_CACHE_HOME", "relative")::get, "/home/u"));
    assertEquals(Path.of("/Users/u/Library/Caches"), FileTokenStore.userCacheDirectory("Mac OS X", env::get,
        "/Users/u"));
    assertEquals(Path.of("C:\\Users\\u\\AppData\\Local"), FileTokenStore.userCacheDirectory("Windows 11", env::get,
        "C:\\Users\\u"));
  }

  private static String jwt(String payload) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
  }
}
