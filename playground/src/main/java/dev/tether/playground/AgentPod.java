package dev.tether.playground;

import dev.tether.api.Tether;
import dev.tether.examples.agent.AgentConfig;
import dev.tether.examples.agent.AgentListener;
import dev.tether.examples.agent.StepAgent;
import dev.tether.store.StoreConfig;
import dev.tether.supervisor.ObjectStoreConfig;
import dev.tether.supervisor.Supervisor;
import dev.tether.supervisor.SupervisorConfig;
import dev.tether.testbed.sim.PodRuntime.RunningPod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running session pod: supervisor and agent on a thread of their own. {@link #kill()} is a dead machine
 * (the agent is interrupted wherever it is, nothing more is written), {@link #stop()} a SIGTERM (the agent saves
 * what it has and exits 143).
 */
final class AgentPod implements RunningPod {
  private static final Logger LOG = LoggerFactory.getLogger(AgentPod.class);
  static final int EXIT_KILLED = 137;
  private static final Duration READINESS_PERIOD = Duration.ofMillis(100);
  /** Readiness probes of all pods, like kubelets probing /readyz. */
  private static final ScheduledExecutorService PROBES = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "playground-readiness-probes");
    t.setDaemon(true);
    return t;
  });
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final SessionPod pod;
  private final StoreConfig store;
  private final AgentListener listener;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Thread thread;
  private Supervisor supervisor;
  private StepAgent agent;
  private boolean stopRequested;

  /** The supervisor container's object-store variables; empty without a tier. */
  private final Map<String, String> objectStoreEnv;

  private AgentPod(SessionPod pod, StoreConfig store, AgentListener listener, Map<String, String> objectStoreEnv) {
    this.objectStoreEnv = objectStoreEnv;
    this.pod = pod;
    this.store = store;
    this.listener = listener;
    this.thread = new Thread(this::run, "pod-" + pod.session().namespace() + "-" + pod.podName());
    thread.setDaemon(true);
  }

  static AgentPod start(SessionPod pod, StoreConfig store, AgentListener listener, Map<String, String> objectStoreEnv) {
    AgentPod running = new AgentPod(pod, store, listener, objectStoreEnv);
    running.thread.start();
    return running;
  }

  private void run() {
    String who = pod.session() + " epoch=" + pod.epoch();
    StepAgent started;
    synchronized (this) {
      if (exit.isDone()) {
        return;
      }
      try {
        String rollbackTo = pod.env().get(Tether.ENV_RESTORE_SEQUENCE);
        supervisor = Supervisor.start(SupervisorConfig.of(pod.session(), pod.epoch(), pod.checkpointDir(), store)
            .withRollbackTo(rollbackTo == null ? null : Long.valueOf(rollbackTo))
            .withObjectStore(objectStoreEnv.isEmpty() ? null : ObjectStoreConfig.fromEnv(objectStoreEnv)));
      } catch (IOException | RuntimeException e) {
        LOG.warn("{}: supervisor did not start: {}", who, e.toString());
        exit.complete(1);
        return;
      }
      URI url = URI.create("http://127.0.0.1:" + supervisor.port());
      Map<String, String> env = new HashMap<>(pod.env());
      env.put("TETHER_SUPERVISOR_URL", url.toString());
      AgentConfig config = AgentConfig.fromEnv(env).withLog(line -> LOG.info("{} agent: {}", who, line));
      agent = new StepAgent(config, listener);
      if (stopRequested) {
        agent.stop();
      }
      started = agent;
      probeReadiness(url.resolve("/readyz"));
    }
    int code;
    try {
      code = started.run();
    } catch (InterruptedException e) {
      return; // killed: kill() completed the exit
    } catch (RuntimeException e) {
      LOG.warn("{}: agent failed", who, e);
      code = 1;
    }
    synchronized (this) {
      closeSupervisor();
      exit.complete(code);
    }
  }

  private void probeReadiness(URI readyz) {
    PROBES.schedule(() -> {
      if (exit.isDone() || ready.isDone()) {
        return;
      }
      HTTP.sendAsync(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding())
          .whenComplete((response, error) -> {
            if (response != null && response.statusCode() == 200) {
              ready.complete(null);
            } else {
              probeReadiness(readyz);
            }
          });
    }, READINESS_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    stopRequested = true;
    if (agent != null) {
      agent.stop();
    } else {
      exit.complete(StepAgent.EXIT_STOPPED);
    }
  }

  @Override
  public synchronized void kill() {
    if (exit.isDone()) {
      return;
    }
    thread.interrupt();
    closeSupervisor();
    exit.complete(EXIT_KILLED);
  }

  @Override
  public CompletableFuture<Integer> exit() {
    return exit;
  }

  @Override
  public CompletableFuture<Void> ready() {
    return ready;
  }

  private void closeSupervisor() {
    if (supervisor != null) {
      supervisor.close();
      supervisor = null;
    }
  }
}
