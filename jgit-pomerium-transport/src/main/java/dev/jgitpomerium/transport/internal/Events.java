package dev.jgitpomerium.transport.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls listener methods so that a throwing listener cannot break a tunnel. */
public final class Events {
  private static final Logger log = LoggerFactory.getLogger(Events.class);

  private Events() {}

  public static void safely(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException e) {
      log.warn("a PomeriumEventListener threw; ignoring it", e);
    }
  }
}
