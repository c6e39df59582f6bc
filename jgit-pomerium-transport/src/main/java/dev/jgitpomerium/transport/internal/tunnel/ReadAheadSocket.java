package dev.jgitpomerium.transport.internal.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * A connected socket whose input is read ahead into a buffer, for TLS to be layered on: JSSE reads a record's
 * 5-byte header and then its body, each with a read of its own, and a blocking read on the JDK's socket that finds
 * nothing yet costs three system calls (read, poll, read). With the buffer, one read takes whatever has arrived,
 * several records of a bulk transfer at once. Everything else goes to the socket underneath.
 */
final class ReadAheadSocket extends Socket {
  /** Four TLS records; what one read of a loopback or LAN socket commonly returns during a transfer. */
  static final int BUFFER_BYTES = 64 * 1024;
  private static final int RECORD_HEADER_BYTES = 5;
  private static final byte APPLICATION_DATA = 23;
  /** A record's body: 16 KiB of payload plus the most any cipher and TLS 1.3's inner type add. */
  private static final int MAX_RECORD_ON_WIRE = 16 * 1024 + 256;

  private final Socket socket;
  private final ReadAhead in;

  private ReadAheadSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new ReadAhead(socket.getInputStream());
  }

  /** {@code socket}, connected, with its input read ahead. */
  static ReadAheadSocket over(Socket socket) throws IOException {
    return new ReadAheadSocket(socket);
  }

  /**
   * Reads into the buffer only when it is empty, and then with one read of the socket (never a loop that would wait
   * for more than has arrived); {@code available()} counts the buffer and what the socket holds.
   */
  private static final class ReadAhead extends InputStream {
    private final InputStream wire;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    // Written by the reading thread only; available() from another thread reads them as an estimate, as
    // InputStream.available() is (a lock here could keep a closing thread waiting behind a blocked read).
    private volatile int pos;
    private volatile int count;

    ReadAhead(InputStream wire) {
      this.wire = wire;
    }

    @Override
    public int read() throws IOException {
      if (pos >= count && !fill()) {
        return -1;
      }
      return buffer[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (pos >= count) {
        if (len >= buffer.length) {
          return wire.read(b, off, len); // as much as the buffer could take: no copy
        }
        if (!fill()) {
          return -1;
        }
      }
      int n = Math.min(len, count - pos);
      System.arraycopy(buffer, pos, b, off, n);
      pos += n;
      return n;
    }

    private boolean fill() throws IOException {
      int n = wire.read(buffer, 0, buffer.length);
      if (n <= 0) {
        return false;
      }
      count = n;
      pos = 0;
      return true;
    }

    /**
     * Whether the buffer holds a whole TLS record from where JSSE will read next (it reads each record's header and
     * then exactly its body): decrypting it then needs no read of the socket, so cannot block.
     */
    boolean wholeRecordBuffered() {
      int p = pos;
      int buffered = count - p;
      if (buffered < RECORD_HEADER_BYTES) {
        return false;
      }
      int length = (buffer[p + 3] & 0xff) << 8 | buffer[p + 4] & 0xff;
      // Application data, TLS 1.2 on the wire (TLS 1.3 too), no longer than a record may be: anything else is not a
      // record boundary we know, and then no promise is made.
      return buffer[p] == APPLICATION_DATA && buffer[p + 1] == 3 && buffer[p + 2] == 3
          && length <= MAX_RECORD_ON_WIRE && buffered >= RECORD_HEADER_BYTES + length;
    }

    @Override
    public int available() throws IOException {
      return Math.max(0, count - pos) + wire.available();
    }

    @Override
    public void close() throws IOException {
      wire.close();
    }
  }

  @Override
  public InputStream getInputStream() {
    return in;
  }

  /** Whether a whole TLS record is buffered: the next read of the TLS socket on top needs no system call. */
  boolean wholeRecordBuffered() {
    return in.wholeRecordBuffered();
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    return socket.getOutputStream();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  @Override
  public boolean isClosed() {
    return socket.isClosed();
  }

  @Override
  public boolean isConnected() {
    return socket.isConnected();
  }

  @Override
  public boolean isBound() {
    return socket.isBound();
  }

  @Override
  public void shutdownInput() throws IOException {
    socket.shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  @Override
  public boolean isInputShutdown() {
    return socket.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return socket.isOutputShutdown();
  }

  @Override
  public SocketChannel getChannel() {
    return null; // the buffer would be bypassed
  }

  @Override
  public InetAddress getInetAddress() {
    return socket.getInetAddress();
  }

  @Override
  public int getPort() {
    return socket.getPort();
  }

  @Override
  public InetAddress getLocalAddress() {
    return socket.getLocalAddress();
  }

  @Override
  public int getLocalPort() {
    return socket.getLocalPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return socket.getRemoteSocketAddress();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return socket.getLocalSocketAddress();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    socket.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws SocketException {
    return socket.getSoTimeout();
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    socket.setTcpNoDelay(on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return socket.getTcpNoDelay();
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    socket.setSoLinger(on, linger);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return socket.getSoLinger();
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    socket.setKeepAlive(on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return socket.getKeepAlive();
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    socket.setSendBufferSize(size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return socket.getSendBufferSize();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    socket.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return socket.getReceiveBufferSize();
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    socket.setTrafficClass(tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return socket.getTrafficClass();
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    socket.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return socket.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return socket.supportedOptions();
  }

  @Override
  public String toString() {
    return socket.toString();
  }
}
