package dev.jgitpomerium.transport.internal.sshconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenSSH is the oracle: for each config file under {@code src/test/resources/ssh-config-oracle} and each connection
 * in its {@code inputs}, what the library resolves equals what {@code ssh -G -F <config> [-p port] [-l user] host}
 * prints for hostname, port, user, proxycommand, identityfile, certificatefile, identityagent, stricthostkeychecking
 * and userknownhostsfile.
 *
 * <p>What is normalised, and only that: {@code ssh -G} prints its defaults where the config sets nothing (its list of
 * default IdentityFiles, {@code ~/.ssh/known_hosts ~/.ssh/known_hosts2}, {@code stricthostkeychecking ask}), so a
 * keyword the library leaves unset is compared with that default; and it prints StrictHostKeyChecking in its own
 * words ({@code yes} as {@code true}, {@code no} and {@code off} as {@code false}), so the library's value is put in
 * those words. IdentityFile and CertificateFile are compared as written (ssh -G prints them unexpanded),
 * UserKnownHostsFile and IdentityAgent expanded (ssh -G prints them expanded).
 *
 * <p>ssh runs with {@code HOME} set to a temporary directory holding the files as {@code ~/.ssh}; {@code -F} keeps
 * root's own configuration out. OpenSSH expands {@code ~} in values with the passwd entry's home (the JVM's {@code
 * user.home}) and in Include with {@code $HOME}; the library is given the same two.
 */
class OpenSshOracleTest {
  private static final Path DATA = data();
  private static final List<String> DEFAULT_IDENTITIES = List.of("~/.ssh/id_rsa", "~/.ssh/id_ecdsa",
      "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa");

  @TempDir Path home;

  private static Path data() {
    try {
      return Path.of(OpenSshOracleTest.class.getResource("/ssh-config-oracle").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<Arguments> connections() throws IOException {
    List<Arguments> all = new ArrayList<>();
    try (Stream<Path> cases = Files.list(DATA)) {
      for (Path dir : cases.filter(Files::isDirectory).sorted().toList()) {
        for (String line : Files.readAllLines(dir.resolve("inputs"))) {
          if (line.isBlank()) {
            continue;
          }
          String[] w = line.trim().split("\\s+");
          all.add(Arguments.of(dir.getFileName().toString(), w[0], w[1].equals("-") ? 0 : Integer.parseInt(w[1]),
              w[2].equals("-") ? null : w[2]));
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}: {1} port {2} user {3}")
  @MethodSource("connections")
  void theLibraryResolvesWhatSshDashGPrints(String config, String host, int port, String user) throws Exception {
    Path ssh = home.resolve(".ssh");
    copy(DATA.resolve(config), ssh);
    Map<String, String> env = new TreeMap<>();
    env.put("HOME", home.toString());
    env.put("PATH", System.getenv("PATH"));
    env.put("SHELL", "/bin/sh");
    env.put("POMERIUM_URL", "https://pomerium.corp.example.com");
    env.put("ORACLE_EXTRA_KNOWN_HOSTS", home.resolve("extra_known_hosts").toString());

    Map<String, List<String>> expected = sshDashG(ssh.resolve("config"), host, port, user, env);

    Path passwdHome = Path.of(System.getProperty("user.home"));
    SshConfig.Environment environment = new SshConfig.Environment(passwdHome, home, ssh,
        System.getProperty("user.name"), SshConfig.localHostName(), SshConfig.processUid(), env::get);
    SshConfig.Resolution r = SshConfig.resolve(ssh.resolve("config"), host, port, user, environment,
        SshConfig::execute, false);

    Map<String, List<String>> actual = new LinkedHashMap<>();
    actual.put("hostname", List.of(r.hostName()));
    actual.put("port", List.of(Integer.toString(r.port())));
    actual.put("user", List.of(r.user()));
    actual.put("proxycommand", r.proxyCommand() == null ? List.of() : List.of(r.proxyCommand()));
    List<String> identities = r.values("identityfile").stream().map(SshConfig.Value::first).toList();
    actual.put("identityfile", identities.isEmpty() ? DEFAULT_IDENTITIES : identities);
    actual.put("certificatefile", r.values("certificatefile").stream().map(SshConfig.Value::first).toList());
    actual.put("identityagent", r.identityAgent() == null ? List.of() : List.of(r.identityAgent()));
    SshConfig.Value strict = r.value("stricthostkeychecking");
    actual.put("stricthostkeychecking", List.of(strict == null ? "ask" : sshWords(strict.first())));
    List<String> knownHosts = r.userKnownHostsFiles();
    actual.put("userknownhostsfile", List.of(String.join(" ", knownHosts.isEmpty()
        ? List.of(passwdHome + "/.ssh/known_hosts", passwdHome + "/.ssh/known_hosts2") : knownHosts)));

    assertEquals(expected, actual, "ssh -G versus the library for " + host + " in " + config);
  }

  private static String sshWords(String strictHostKeyChecking) {
    return switch (strictHostKeyChecking.toLowerCase(java.util.Locale.ROOT)) {
      case "yes", "true" -> "true";
      case "no", "off", "false" -> "false";
      default -> strictHostKeyChecking.toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** The keywords compared, as ssh -G prints them; several lines of one keyword are a list. */
  private static Map<String, List<String>> sshDashG(Path config, String host, int port, String user,
      Map<String, String> env) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ssh", "-G", "-F", config.toString()));
    if (port > 0) {
      command.addAll(List.of("-p", Integer.toString(port)));
    }
    if (user != null) {
      command.addAll(List.of("-l", user));
    }
    command.add(host);
    Path errors = Files.createTempFile("ssh-G", ".err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError("OpenSSH's ssh is the oracle of this test: install openssh-client", e);
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean ended = process.waitFor(30, TimeUnit.SECONDS);
    String err = Files.readString(errors);
    Files.delete(errors);
    if (!ended || process.exitValue() != 0) {
      throw new AssertionError("ssh -G failed: " + out + err);
    }
    Map<String, List<String>> printed = new LinkedHashMap<>();
    for (String key : List.of("hostname", "port", "user", "proxycommand", "identityfile", "certificatefile",
        "identityagent", "stricthostkeychecking", "userknownhostsfile")) {
      printed.put(key, new ArrayList<>());
    }
    for (String line : out.split("\n")) {
      int space = line.indexOf(' ');
      String key = space < 0 ? line : line.substring(0, space).toLowerCase(java.util.Locale.ROOT);
      if (printed.containsKey(key)) {
        printed.get(key).add(line.substring(space + 1));
      }
    }
    return printed;
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
