package dev.jgitpomerium.transport.internal;

import dev.jgitpomerium.transport.internal.routing.PomeriumCliCommand;
import dev.jgitpomerium.transport.internal.signin.CallbackServer;
import dev.jgitpomerium.transport.internal.tunnel.ResponseHead;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * Fuzzing, with a small budget, of the parsers that read what others write: Pomerium's answer to CONNECT and
 * ProxyCommand lines (ssh config: {@code sshconfig.SshConfigFuzzTest}). They may refuse input only in the ways their
 * callers handle.
 */
class ParserFuzzTest {

  @Provide
  Arbitrary<byte[]> responseHeads() {
    Arbitrary<String> statusLine = Arbitraries.oneOf(
        Arbitraries.of("HTTP/1.1 200 OK", "HTTP/1.0 302 Found", "HTTP/1.1 404", "HTTP/2 200", "garbage", ""),
        Arbitraries.strings().ofMaxLength(40));
    Arbitrary<String> header = Arbitraries.strings().withChars("abcXYZ-:; \t\r\n\u0000\u00ff").ofMaxLength(60);
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(600),
        statusLine.flatMap(s -> header.list().ofMaxSize(8).map(hs ->
            (s + "\r\n" + String.join("\r\n", hs) + "\r\n\r\nSSH-2.0-rest").getBytes(StandardCharsets.ISO_8859_1))));
  }

  /** Any bytes: a parsed head, or a ProtocolException / EOFException; never more than the head is consumed. */
  @Property(tries = 1500)
  void theConnectResponseParserAcceptsOrRefusesButNeverOverReads(@ForAll("responseHeads") byte[] input)
      throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(input);
    try {
      ResponseHead head = ResponseHead.read(in, 256, () -> { });
      int consumed = input.length - in.available();
      String text = new String(input, 0, consumed, StandardCharsets.ISO_8859_1);
      if (!text.endsWith("\n\n") && !text.endsWith("\r\n\r\n") && !text.endsWith("\n\r\n")) {
        throw new AssertionError("consumed past or short of the blank line: " + consumed);
      }
      if (head.status() < 100 || head.status() > 999) {
        throw new AssertionError("status out of range: " + head.status());
      }
    } catch (ProtocolException | EOFException expected) {
      // Refused as the dialer expects.
    }
  }

  /** A ProxyCommand line: parsed or not Pomerium's; no exception but a rejected path. */
  @Property(tries = 1500)
  void proxyCommandLinesNeverBreakTheParser(@ForAll @StringLength(max = 200) String tail,
      @ForAll("programs") String program) {
    try {
      PomeriumCliCommand.parse(program + " " + tail, "host.example.com", 22, "git")
          .ifPresent(c -> {
            if (c.destination() == null || c.destination().isEmpty()) {
              throw new AssertionError("a parsed command has a destination");
            }
            if (c.serviceAccount() != null && c.toString().contains(c.serviceAccount()) && !c.serviceAccount().isEmpty()
                && !c.destination().contains(c.serviceAccount())) {
              throw new AssertionError("toString shows the service-account token");
            }
          });
    } catch (IllegalArgumentException expected) {
      // A pomerium-cli line that cannot be used (no destination, a flag without its value, an impossible path):
      // the factory fails the connection with it.
    }
  }

  @Provide
  Arbitrary<String> programs() {
    return Arbitraries.of("pomerium-cli tcp", "/usr/bin/pomerium-cli tcp --listen -", "jgit-pomerium tcp",
        "java -jar x/jgit-pomerium.jar tcp", "nc", "pomerium-cli udp", "");
  }

  /** Requests a browser or a hostile local page might send: none but the exact one yields a token. */
  @Property(tries = 2000)
  void theCallbackParserRefusesEveryRequestButTheExactOne(@ForAll("callbackRequests") String head) throws IOException {
    try (CallbackServer callback = CallbackServer.start()) {
      CallbackServer.Answer answer = callback.answer(head);
      if (answer.token() != null) {
        throw new AssertionError("a random request was accepted: " + head.replace("\r\n", "|"));
      }
      if (answer.status() < 400 || answer.status() > 499) {
        throw new AssertionError("not a refusal: " + answer.status());
      }
    }
  }

  @Provide
  Arbitrary<String> callbackRequests() {
    Arbitrary<String> method = Arbitraries.of("GET", "POST", "get", "", "GET GET");
    Arbitrary<String> path = Arbitraries.oneOf(Arbitraries.of("/", "/callback/", "/callback/x?pomerium_jwt=abc",
        "/favicon.ico", "*"), Arbitraries.strings().ofMaxLength(80));
    Arbitrary<String> header = Arbitraries.oneOf(Arbitraries.of("Host: 127.0.0.1:1", "Host: localhost", "Host:",
        "X: y"), Arbitraries.strings().withChars("Host:127.0.0.1 \t\u0000").ofMaxLength(30));
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300).map(s -> s + "\r\n\r\n"),
        net.jqwik.api.Combinators.combine(method, path, header.list().ofMaxSize(4))
            .as((m, p, hs) -> m + " " + p + " HTTP/1.1\r\n" + String.join("\r\n", hs) + "\r\n\r\n"));
  }
}
