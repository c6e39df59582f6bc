package dev.jgitpomerium.transport.internal.sshconfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * Fuzzing, with a small budget, of the ssh config reader, which reads what users write. It may refuse input only in
 * the ways its callers handle.
 */
class SshConfigFuzzTest {

  /** Any ssh config text: looked up without an exception, and a host found or not. */
  @Property(tries = 300)
  void sshConfigLookupsSurviveAnyFile(@ForAll @Size(max = 12) java.util.List<@StringLength(max = 60) String> lines,
      @ForAll("keywords") java.util.List<String> keywords) throws IOException {
    Path dir = Files.createTempDirectory("ssh-config-fuzz");
    try {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < lines.size(); i++) {
        text.append(keywords.isEmpty() ? "" : keywords.get(i % keywords.size())).append(' ').append(lines.get(i))
            .append('\n');
      }
      Path config = Files.writeString(dir.resolve("config"), text.toString(), StandardCharsets.UTF_8);
      try {
        // Match exec lines are not run: random text must not become a command.
        SshConfig.resolve(config, "git.corp.example.com", 0, null,
            SshConfig.Environment.of(dir, dir, name -> null), (command, environment) -> 1, false);
      } catch (IOException expected) {
        // An invalid Port, an Include loop too deep: reported as I/O failures of the config.
      } catch (java.nio.file.InvalidPathException expected) {
        // An Include naming an impossible path.
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Provide
  Arbitrary<java.util.List<String>> keywords() {
    return Arbitraries.of("Host", "HostName", "Port", "User", "ProxyCommand", "Include", "Match", "#", "host=")
        .list().ofMaxSize(6);
  }
}
