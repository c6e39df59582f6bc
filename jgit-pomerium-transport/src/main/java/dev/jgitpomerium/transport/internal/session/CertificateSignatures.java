package dev.jgitpomerium.transport.internal.session;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Makes an agent's signature with a certificate acceptable to JGit 7.8 and MINA sshd 2.19. An agent names the
 * signature of a certificate by its plain algorithm ({@code rsa-sha2-512}, {@code ssh-ed25519}), as the protocol says;
 * sshd asked JGit's agent client for {@code rsa-sha2-512-cert-v01@openssh.com} and fails the whole login when the
 * names differ ("Mismatched signature type generated"), although it then writes the plain name on the wire. So every
 * certificate in the agent (ssh-add adds the {@code -cert.pub} beside a key) broke every login. The reply's algorithm
 * is renamed to the certificate form; the signature itself is untouched.
 */
final class CertificateSignatures {
  private static final String CERTIFICATE_SUFFIX = "-cert-v01@openssh.com";
  private static final byte SIGN_RESPONSE = 14;

  private CertificateSignatures() {}

  /**
   * @param request the sign request as sent (4 bytes length, command, then the key blob)
   * @param reply the agent's reply payload (command, then the signature blob)
   */
  static byte[] named(byte[] request, byte[] reply) {
    try {
      ByteBuffer in = ByteBuffer.wrap(request, 5, request.length - 5);
      ByteBuffer keyBlob = ByteBuffer.wrap(string(in));
      String keyType = new String(string(keyBlob), StandardCharsets.US_ASCII);
      if (!keyType.endsWith(CERTIFICATE_SUFFIX) || reply.length == 0 || reply[0] != SIGN_RESPONSE) {
        return reply;
      }
      ByteBuffer out = ByteBuffer.wrap(reply, 1, reply.length - 1);
      ByteBuffer signatureBlob = ByteBuffer.wrap(string(out));
      String algorithm = new String(string(signatureBlob), StandardCharsets.US_ASCII);
      byte[] signature = string(signatureBlob);
      if (algorithm.endsWith(CERTIFICATE_SUFFIX)) {
        return reply;
      }
      byte[] renamed = (algorithm + CERTIFICATE_SUFFIX).getBytes(StandardCharsets.US_ASCII);
      int blobLength = 4 + renamed.length + 4 + signature.length;
      ByteBuffer result = ByteBuffer.allocate(1 + 4 + blobLength + out.remaining());
      result.put(SIGN_RESPONSE).putInt(blobLength).putInt(renamed.length).put(renamed).putInt(signature.length)
          .put(signature).put(out);
      return result.array();
    } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
      return reply; // not what we expect: JGit reports it as it stands
    }
  }

  private static byte[] string(ByteBuffer buffer) {
    int length = buffer.getInt();
    if (length < 0 || length > buffer.remaining()) {
      throw new IllegalArgumentException("bad length");
    }
    byte[] bytes = new byte[length];
    buffer.get(bytes);
    return bytes;
  }
}
