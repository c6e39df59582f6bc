package dev.jgitpomerium.transport.internal.token;

import dev.jgitpomerium.transport.PomeriumToken;
import dev.jgitpomerium.transport.TokenSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/** Token sources that read a file at every connect, so a rotated token (a mounted secret) is picked up. */
public final class TokenFiles {
  private static final long MAX_BYTES = 64 * 1024;

  private TokenFiles() {}

  /** Reads {@code file} at each request; after a rejection, offers its content only if it changed. */
  public static TokenSource source(Path file, PomeriumToken.Scheme scheme) {
    Objects.requireNonNull(file, "file == null");
    return request -> {
      PomeriumToken token = read(file, scheme);
      return request.rejectedToken().filter(token::equals).isPresent() ? null : token;
    };
  }

  static PomeriumToken read(Path file, PomeriumToken.Scheme scheme) throws IOException {
    String content;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IOException("token file " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      content = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      throw new IOException("token file " + file + " does not exist", e);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("token file")) {
        throw e;
      }
      throw new IOException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
    if (content.isEmpty()) {
      throw new IOException("token file " + file + " is empty");
    }
    try {
      return scheme == PomeriumToken.Scheme.BEARER ? PomeriumToken.bearer(content) : PomeriumToken.pomerium(content);
    } catch (IllegalArgumentException e) {
      throw new IOException("token file " + file + " does not hold a token: " + e.getMessage(), e);
    }
  }
}
