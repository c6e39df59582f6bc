package dev.jgitpomerium.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.ExceptionEvent;
import com.sun.jdi.event.MethodExitEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.ExceptionRequest;
import com.sun.jdi.request.MethodExitRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The race behind "uncaught in Thread-N: IllegalStateException: Executor has been shut down" (issue 15), driven
 * step by step rather than hoped for: a JGit session in a child JVM under the JDK's debugger interface, the server
 * made to send a packet, the JDK's NIO2 I/O thread of the session's client held just after it took that read from
 * epoll (where only a lost time slice leaves it in a real run), then JGit's disconnect. Stock JGit closes the session
 * and stops its client while the read is held, and the released read meets the stopped executor. This library's
 * sessions wait for that read before the client stops.
 */
class SessionCloseRaceTest extends TestbedTest {
  /** How long a held read may keep the close waiting: JGit's close and stop take milliseconds without it. */
  private static final long HOLD_MILLIS = 1_500;
  private static final Pattern JDWP_PORT = Pattern.compile("Listening for transport dt_socket at address: (\\d+)");

  @Test
  void aReadInFlightWhenTheSessionClosesNeverMeetsAStoppedExecutor() throws Exception {
    Outcome outcome = closeWithReadInFlight("pomerium", Testbed.URI, List.of(testbed.gateway.url(),
        Files.writeString(dir.resolve("gateway-ca.pem"), testbed.gateway.caCertificatePem()).toString(),
        Testbed.TOKEN));
    assertFalse(outcome.closedWhileHeld, "the close did not wait for the read in flight:\n" + outcome.output);
    assertEquals("handed over", outcome.heldRead, outcome.output);
    assertFalse(outcome.output.contains("uncaught"), outcome.output);
  }

  /** The control: stock JGit's disconnect in the same interleaving, the failure the benchmark printed. */
  @Test
  void stockJGitStopsTheClientUnderAReadInFlightAndTheJdkThreadDies() throws Exception {
    Files.writeString(testbed.sshDirectory.resolve("known_hosts"), testbed.ssh.hostKeyLine("127.0.0.1") + "\n");
    Outcome outcome = closeWithReadInFlight("stock",
        "ssh://git@127.0.0.1:" + testbed.ssh.port() + "/" + Testbed.REPOSITORY, List.of());
    assertTrue(outcome.closedWhileHeld, outcome.output);
    assertEquals("IllegalStateException: Executor has been shut down", outcome.heldRead, outcome.output);
    assertTrue(outcome.output.contains("uncaught Thread-"), outcome.output);
  }

  /**
   * @param closedWhileHeld whether JGit's disconnect returned while the read was held
   * @param heldRead what the held read did when released: "handed over" to the executor, or the exception it threw
   */
  private record Outcome(boolean closedWhileHeld, String heldRead, String output) {}

  private Outcome closeWithReadInFlight(String mode, String uri, List<String> extra) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0",
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        SessionCloseChild.class.getName(), mode, uri, testbed.home.toString(), testbed.sshDirectory.toString()));
    command.addAll(extra);
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuffer output = new StringBuffer();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.append(line).append('\n');
          lines.add(line);
        }
      } catch (IOException e) {
        output.append(e).append('\n');
      }
    }, "session-close-child-output");
    reader.setDaemon(true);
    reader.start();
    PrintStream commands = new PrintStream(child.getOutputStream(), true, UTF_8);
    VirtualMachine vm = null;
    try {
      Matcher port = JDWP_PORT.matcher(awaitLine(lines, "Listening for transport", output));
      assertTrue(port.find(), output::toString);
      vm = attach(Integer.parseInt(port.group(1)));
      awaitLine(lines, "ready", output);

      // The session is idle now: the next read the JDK's I/O thread completes is the reply to the poke.
      EventRequestManager requests = vm.eventRequestManager();
      ReferenceType channel = loaded(vm, "sun.nio.ch.UnixAsynchronousSocketChannelImpl");
      BreakpointRequest finishRead = requests.createBreakpointRequest(
          channel.methodsByName("finishRead").get(0).location());
      finishRead.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
      finishRead.enable();
      commands.println("poke");
      ThreadReference io = null;
      while (io == null) {
        BreakpointEvent hit = next(vm, BreakpointEvent.class, output);
        // Only a group's internal thread ("Thread-N") hands reads over (a pooled thread completes its own), and only
        // sshd's group has sshd's executor (another NIO2 user in the child would have its own).
        if (hit.thread().name().startsWith("Thread-") && ofSshdGroup(hit.thread().frame(0).thisObject())) {
          io = hit.thread();
        } else {
          hit.thread().resume();
        }
      }
      finishRead.disable();

      ExceptionRequest thrown = requests.createExceptionRequest(
          loaded(vm, "java.lang.RuntimeException"), true, true);
      thrown.addThreadFilter(io);
      thrown.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
      thrown.enable();
      MethodExitRequest handedOver = requests.createMethodExitRequest();
      handedOver.addClassFilter("sun.nio.ch.Invoker");
      handedOver.addThreadFilter(io);
      handedOver.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
      handedOver.enable();

      commands.println("close");
      boolean closedWhileHeld = sawLine(lines, "closed", TimeUnit.MILLISECONDS.toNanos(HOLD_MILLIS));
      io.resume();
      String heldRead = null;
      while (heldRead == null) {
        Event event = next(vm, Event.class, output);
        if (event instanceof ExceptionEvent e) {
          ReferenceType type = e.exception().referenceType();
          heldRead = type.name().replace("java.lang.", "") + ": " + String.valueOf(
              e.exception().getValue(type.fieldByName("detailMessage"))).replace("\"", "");
        } else if (event instanceof MethodExitEvent exit && exit.method().name().equals("invokeIndirectly")) {
          heldRead = "handed over";
        }
        if (event instanceof com.sun.jdi.event.LocatableEvent located) {
          located.thread().resume();
        }
      }
      thrown.disable();
      handedOver.disable();
      if (!closedWhileHeld) {
        awaitLine(lines, "closed", output);
      }
      vm.dispose();
      vm = null;
      if (!heldRead.equals("handed over")) {
        awaitLine(lines, "uncaught", output);
      }
      commands.println("exit");
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not exit:\n" + output);
      reader.join(TimeUnit.SECONDS.toMillis(10));
      return new Outcome(closedWhileHeld, heldRead, output.toString());
    } finally {
      if (vm != null) {
        vm.dispose();
      }
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Whether {@code channel}'s channel group runs on sshd's executor (port, then pool, then executor). */
  private static boolean ofSshdGroup(ObjectReference channel) {
    Value value = channel;
    for (String field : List.of("port", "pool", "executor")) {
      if (!(value instanceof ObjectReference object) || object.referenceType().fieldByName(field) == null) {
        return false;
      }
      value = object.getValue(object.referenceType().fieldByName(field));
    }
    return value instanceof ObjectReference executor
        && executor.referenceType().name().startsWith("org.apache.sshd.");
  }

  private static VirtualMachine attach(int port) throws Exception {
    AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
        .filter(c -> c.name().equals("com.sun.jdi.SocketAttach"))
        .findFirst().orElseThrow();
    Map<String, Connector.Argument> arguments = socket.defaultArguments();
    arguments.get("hostname").setValue("127.0.0.1");
    arguments.get("port").setValue(Integer.toString(port));
    return socket.attach(arguments);
  }

  private static ReferenceType loaded(VirtualMachine vm, String name) {
    List<ReferenceType> types = vm.classesByName(name);
    assertEquals(1, types.size(), name + " loaded in the child");
    return types.get(0);
  }

  /** The next event of {@code type}; others are resumed. */
  private static <E extends Event> E next(VirtualMachine vm, Class<E> type, StringBuffer output) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      EventSet set = vm.eventQueue().remove(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
      if (set == null) {
        break;
      }
      for (Event event : set) {
        if (type.isInstance(event) && event.request() != null) {
          return type.cast(event);
        }
      }
      set.resume();
    }
    throw new AssertionError("no " + type.getSimpleName() + " from the child:\n" + output);
  }

  private static String awaitLine(BlockingQueue<String> lines, String prefix, StringBuffer output)
      throws InterruptedException {
    String line = lineWithin(lines, prefix, TimeUnit.SECONDS.toNanos(60));
    if (line == null) {
      throw new AssertionError("the child never printed " + prefix + ":\n" + output);
    }
    return line;
  }

  private static boolean sawLine(BlockingQueue<String> lines, String prefix, long nanos) throws InterruptedException {
    return lineWithin(lines, prefix, nanos) != null;
  }

  /** The next line starting with {@code prefix} (others, such as log lines, are skipped), or null after the time. */
  private static String lineWithin(BlockingQueue<String> lines, String prefix, long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
      String line = lines.poll(left, TimeUnit.NANOSECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
    }
    return null;
  }
}
