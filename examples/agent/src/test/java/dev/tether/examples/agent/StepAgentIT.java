package dev.tether.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import dev.tether.store.StoreConfig;
import dev.tether.supervisor.Supervisor;
import dev.tether.supervisor.SupervisorConfig;
import dev.tether.testbed.EtcdServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java and the Python step agent against a real supervisor and etcd. */
class StepAgentIT {
  static EtcdServer etcd;
  static ContextStore store;

  @TempDir Path volume;
  SessionKey session;
  final List<Supervisor> supervisors = new ArrayList<>();
  final List<String> events = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
    store = ContextStore.connect(StoreConfig.of(etcd.endpoint()));
  }

  @AfterAll
  static void stopEtcd() {
    store.close();
    etcd.close();
  }

  @BeforeEach
  void newSession() {
    session = SessionKey.of("examples", "s" + UUID.randomUUID().toString().substring(0, 8));
  }

  @AfterEach
  void closeSupervisors() {
    supervisors.forEach(Supervisor::close);
  }

  @Test
  void doesEveryStepAndCheckpointsEveryKSteps() throws Exception {
    Supervisor supervisor = incarnation(1);

    int code = new StepAgent(config(supervisor, 1, 7), recorder()).run();

    assertThat(code).isEqualTo(StepAgent.EXIT_DONE);
    List<Manifest> manifests = store.manifests(session);
    assertThat(manifests).extracting(m -> m.metadata().get("step")).containsExactly("7", "6", "3");
    assertThat(manifests).extracting(Manifest::sequence).containsExactly(3L, 2L, 1L);
    assertEveryStepOnce(finalContext(), 7);
    assertThat(events).startsWith("resumed 1").endsWith("checkpoint 3 step 7", "exit 0");
  }

  @Test
  void aNewIncarnationContinuesAfterTheLastCheckpoint() throws Exception {
    Supervisor first = incarnation(1);
    // Killed right after its second checkpoint (step 6): nothing after it is saved.
    AgentListener dies = new AgentListener() {
      @Override
      public void checkpointed(long sequence, int step) {
        if (step == 6) {
          Thread.currentThread().interrupt();
        }
      }
    };
    Future<Integer> killed = Executors.newSingleThreadExecutor().submit(() -> new StepAgent(config(first, 1, 10), dies).run());
    assertThat(catchCause(killed)).isInstanceOf(InterruptedException.class);
    first.close();

    store.advanceEpoch(session, 2);
    int code = new StepAgent(config(incarnation(2), 2, 10), recorder()).run();

    assertThat(code).isEqualTo(StepAgent.EXIT_DONE);
    assertThat(events).startsWith("restored 2 step 6 fallback false", "resumed 7");
    AgentContext context = finalContext();
    assertEveryStepOnce(context, 10);
    assertThat(context.steps()).extracting(AgentContext.Step::epoch)
        .containsExactly(1L, 1L, 1L, 1L, 1L, 1L, 2L, 2L, 2L, 2L);
    assertThat(store.restore(session, 2).orElseThrow().sequence()).isEqualTo(2L);
  }

  @Test
  void itsMemoryTravelsWithTheCheckpoints() throws Exception {
    Supervisor first = incarnation(1);
    AgentListener dies = new AgentListener() {
      @Override
      public void checkpointed(long sequence, int step) {
        Thread.currentThread().interrupt();
      }
    };
    Future<Integer> killed = Executors.newSingleThreadExecutor()
        .submit(() -> new StepAgent(config(first, 1, 6, 100_000), dies).run());
    assertThat(catchCause(killed)).isInstanceOf(InterruptedException.class);
    first.close();
    assertThat(store.latest(session).orElseThrow().size()).isGreaterThan(100_000);

    store.advanceEpoch(session, 2);
    assertThat(new StepAgent(config(incarnation(2), 2, 6, 100_000), recorder()).run()).isEqualTo(StepAgent.EXIT_DONE);
    AgentContext context = finalContext();
    assertEveryStepOnce(context, 6);
    assertThat(context.memory()).as("the memory survived the move intact").isEqualTo(
        AgentContext.withMemory(session.name(), 100_000).memory());
  }

  @Test
  void aFencedIncarnationStopsAtItsNextCheckpoint() throws Exception {
    Supervisor old = incarnation(1);
    // A newer incarnation takes over after step 3 was saved.
    AgentListener overtaken = new AgentListener() {
      @Override
      public void checkpointed(long sequence, int step) {
        events.add("checkpoint " + sequence + " step " + step);
        if (step == 3) {
          store.advanceEpoch(session, 2);
          await().atMost(Duration.ofSeconds(10)).until(old::fenced);
        }
      }

      @Override
      public void fenced(long currentEpoch) {
        events.add("fenced by " + currentEpoch);
      }
    };

    int code = new StepAgent(config(old, 1, 10), overtaken).run();

    assertThat(code).isEqualTo(StepAgent.EXIT_FENCED);
    assertThat(events).containsExactly("checkpoint 1 step 3", "fenced by 2");
    assertThat(store.manifests(session)).extracting(Manifest::sequence).containsExactly(1L);
  }

  @Test
  void doesNotMovePastACheckpointWhileEtcdIsDown() throws Exception {
    Supervisor supervisor = incarnation(1);
    AgentListener listener = new AgentListener() {
      @Override
      public void stepDone(int step) {
        events.add("step " + step);
        if (step == 2) {
          etcd.stop(); // the checkpoint after step 3 gets 503 until etcd is back
        }
      }

      @Override
      public void checkpointed(long sequence, int step) {
        events.add("checkpoint step " + step);
      }
    };
    var restarter = Executors.newSingleThreadExecutor();
    AgentConfig config = config(supervisor, 1, 5).withLog(line -> {
      if (line.contains("not saved yet")) {
        events.add("503");
        restarter.execute(etcd::startProcess);
      }
    });
    int code;
    try {
      code = new StepAgent(config, listener).run();
    } finally {
      restarter.shutdown();
      restarter.awaitTermination(30, TimeUnit.SECONDS);
      etcd.startProcess();
    }

    assertThat(code).isEqualTo(StepAgent.EXIT_DONE);
    assertThat(events).containsSubsequence("step 3", "503", "checkpoint step 3", "step 4");
    assertThat(events.indexOf("step 4")).isGreaterThan(events.indexOf("checkpoint step 3"));
    assertEveryStepOnce(finalContext(), 5);
  }

  @Test
  void thePythonAgentContinuesWhereTheJavaAgentStopped() throws Exception {
    Supervisor first = incarnation(1);
    AgentListener stopsAfterThree = new AgentListener() {
      @Override
      public void checkpointed(long sequence, int step) {
        Thread.currentThread().interrupt();
      }
    };
    Future<Integer> killed = Executors.newSingleThreadExecutor()
        .submit(() -> new StepAgent(config(first, 1, 8), stopsAfterThree).run());
    assertThat(catchCause(killed)).isInstanceOf(InterruptedException.class);
    first.close();
    store.advanceEpoch(session, 2);
    Supervisor second = incarnation(2);

    Process python = pythonAgent(second, 2, 8);

    assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(volume.resolve("python.log"));
    assertThat(python.exitValue()).as(log).isEqualTo(StepAgent.EXIT_DONE);
    assertThat(log).contains("restored checkpoint 1 at step 3 (fallback: false, Latest)");
    AgentContext context = finalContext();
    assertEveryStepOnce(context, 8);
    assertThat(context.steps()).extracting(AgentContext.Step::epoch).containsExactly(1L, 1L, 1L, 2L, 2L, 2L, 2L, 2L);
  }

  @Test
  void thePythonAgentExits75WhenFenced() throws Exception {
    Supervisor old = incarnation(1);
    store.advanceEpoch(session, 2);
    await().atMost(Duration.ofSeconds(10)).until(old::fenced);

    Process python = pythonAgent(old, 1, 8);

    assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(volume.resolve("python.log"));
    assertThat(python.exitValue()).as(log).isEqualTo(StepAgent.EXIT_FENCED);
    assertThat(log).contains("fenced: a newer incarnation (epoch 2) owns the session");
    assertThat(store.manifests(session)).isEmpty();
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private Supervisor incarnation(long epoch) throws IOException {
    if (store.epoch(session) < epoch) {
      store.advanceEpoch(session, epoch);
    }
    Supervisor supervisor = Supervisor.start(SupervisorConfig.of(session, epoch, volume, StoreConfig.of(etcd.endpoint())));
    supervisors.add(supervisor);
    return supervisor;
  }

  private Process pythonAgent(Supervisor supervisor, long epoch, int steps) throws IOException {
    ProcessBuilder builder = new ProcessBuilder("python3", System.getProperty("step.agent.py", "step_agent.py"))
        .redirectErrorStream(true)
        .redirectOutput(volume.resolve("python.log").toFile());
    builder.environment().putAll(java.util.Map.of(
        "TETHER_SUPERVISOR_URL", "http://127.0.0.1:" + supervisor.port(),
        "TETHER_SESSION_NAME", session.name(),
        "TETHER_EPOCH", Long.toString(epoch),
        "AGENT_STEPS", Integer.toString(steps),
        "AGENT_STEP_MILLIS", "10",
        "AGENT_CHECKPOINT_EVERY", "3"));
    Process process = builder.start();
    process.getOutputStream().close();
    return process;
  }

  private AgentConfig config(Supervisor supervisor, long epoch, int steps) {
    return config(supervisor, epoch, steps, 0);
  }

  private AgentConfig config(Supervisor supervisor, long epoch, int steps, int memoryBytes) {
    return new AgentConfig(URI.create("http://127.0.0.1:" + supervisor.port()), session.name(), epoch, steps,
        Duration.ofMillis(10), 3, memoryBytes, line -> {});
  }

  private AgentListener recorder() {
    return new AgentListener() {
      @Override
      public void restored(long sequence, int step, boolean fallback, String reason) {
        events.add("restored " + sequence + " step " + step + " fallback " + fallback);
      }

      @Override
      public void resumed(int step) {
        events.add("resumed " + step);
      }

      @Override
      public void checkpointed(long sequence, int step) {
        events.add("checkpoint " + sequence + " step " + step);
      }

      @Override
      public void exited(int code) {
        events.add("exit " + code);
      }
    };
  }

  private AgentContext finalContext() throws IOException {
    Manifest latest = store.latest(session).orElseThrow();
    return AgentContext.parse(Files.readAllBytes(volume.resolve("checkpoints").resolve(latest.sequence() + ".blob")));
  }

  private void assertEveryStepOnce(AgentContext context, int steps) {
    assertThat(context.session()).isEqualTo(session.name());
    assertThat(context.steps()).extracting(AgentContext.Step::step)
        .containsExactlyElementsOf(IntStream.rangeClosed(1, steps).boxed().toList());
    context.steps().forEach(s -> assertThat(s.result()).isEqualTo(StepResult.of(session.name(), s.step())));
  }

  private static Throwable catchCause(Future<?> future) throws InterruptedException, java.util.concurrent.TimeoutException {
    try {
      future.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
