package dev.jgitpomerium.testkit;

import dev.jgitpomerium.testkit.internal.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PKCS#12 files as users make them, by the real tools: {@code openssl pkcs12 -export} from a {@link
 * ClientCertificate}'s PEM files, and the JDK's {@code keytool -importkeystore}. Passwords go through files ({@code
 * file:} and {@code :file}), never the command line.
 */
public final class Pkcs12Files {
  private Pkcs12Files() {}

  /**
   * Writes {@code certificate} and its key as PEM beside {@code p12}, then {@code openssl pkcs12 -export} of them
   * into {@code p12}, protected with the first line of {@code passwordFile}; the entry's name is the common name.
   *
   * @throws IllegalStateException if openssl is missing (install Debian's {@code openssl}) or fails
   */
  public static Path openssl(ClientCertificate certificate, Path p12, Path passwordFile)
      throws IOException, InterruptedException {
    Path cert = p12.resolveSibling(p12.getFileName() + ".cert.pem");
    Path key = p12.resolveSibling(p12.getFileName() + ".key.pem");
    certificate.writeTo(cert, key);
    run("openssl", List.of("openssl", "pkcs12", "-export", "-in", cert.toString(), "-inkey", key.toString(),
        "-name", certificate.commonName(), "-out", p12.toString(), "-passout", "file:" + passwordFile));
    return p12;
  }

  /** Like {@link #openssl}, with {@code -nokeys}: a PKCS#12 file with the certificate alone (a common mistake). */
  public static Path opensslCertificateOnly(ClientCertificate certificate, Path p12, Path passwordFile)
      throws IOException, InterruptedException {
    Path cert = p12.resolveSibling(p12.getFileName() + ".cert.pem");
    certificate.writeTo(cert, p12.resolveSibling(p12.getFileName() + ".key.pem"));
    run("openssl", List.of("openssl", "pkcs12", "-export", "-nokeys", "-in", cert.toString(), "-out", p12.toString(),
        "-passout", "file:" + passwordFile));
    return p12;
  }

  /**
   * Copies the PKCS#12 file {@code source} into a new one, {@code target}, with {@code keytool -importkeystore} (so
   * the JDK's encryption and MAC rather than OpenSSL's), each file's password in its password file.
   */
  public static Path keytool(Path source, Path sourcePasswordFile, Path target, Path targetPasswordFile)
      throws IOException, InterruptedException {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run("keytool", List.of(keytool, "-importkeystore", "-noprompt", "-srckeystore", source.toString(),
        "-srcstoretype", "PKCS12", "-srcstorepass:file", sourcePasswordFile.toString(), "-destkeystore",
        target.toString(), "-deststoretype", "PKCS12", "-deststorepass:file", targetPasswordFile.toString()));
    return target;
  }

  /** Writes {@code password} and a line end to {@code file}, readable by its owner only. */
  public static Path writePassword(Path file, String password) throws IOException {
    Files2.createParentDirectories(file);
    Files2.writePrivate(file, (password + "\n").getBytes(StandardCharsets.UTF_8));
    return file;
  }

  private static void run(String tool, List<String> command) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw new IllegalStateException("The PKCS#12 tests need " + tool + " on the PATH: install "
          + ("openssl".equals(tool) ? "openssl" : "a JDK") + " (./test.sh does). " + e.getMessage(), e);
    }
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(ChildProcesses.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      ChildProcesses.kill(process);
      throw new IllegalStateException(String.join(" ", command) + " did not finish");
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ": "
          + new String(output, StandardCharsets.UTF_8));
    }
  }
}
