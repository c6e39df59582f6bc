package dev.jgitpomerium.transport;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Records event names in order, into a list the test owns (thread-safe if that list is). */
final class RecordingListener implements PomeriumEventListener {
  private final List<String> events;

  RecordingListener(List<String> events) {
    this.events = events;
  }

  @Override
  public void tunnelOpening(Route route) {
    events.add("tunnelOpening");
  }

  @Override
  public void signInRequired(Route route, int status) {
    events.add("signInRequired " + status);
  }

  @Override
  public void signInStarted(PomeriumEndpoint endpoint, URI signInUrl) {
    events.add("signInStarted");
  }

  @Override
  public void browserOpened(PomeriumEndpoint endpoint) {
    events.add("browserOpened");
  }

  @Override
  public void browserNotOpened(PomeriumEndpoint endpoint, String reason) {
    events.add("browserNotOpened " + reason);
  }

  @Override
  public void tokenObtained(PomeriumEndpoint endpoint, String source) {
    events.add("tokenObtained " + source);
  }

  @Override
  public void signInFailed(PomeriumEndpoint endpoint, java.io.IOException failure) {
    events.add("signInFailed");
  }

  @Override
  public void tunnelOpened(Route route, Duration elapsed) {
    events.add("tunnelOpened");
  }

  @Override
  public void tunnelFailed(Route route, PomeriumException failure) {
    events.add("tunnelFailed " + failure.statusCode());
  }

  /** Comes from the relay's thread, after the git command that used the tunnel may have returned. */
  @Override
  public void tunnelClosed(Route route, long bytesSent, long bytesReceived) {
    events.add("tunnelClosed");
  }
}
