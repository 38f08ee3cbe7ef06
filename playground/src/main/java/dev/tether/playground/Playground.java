package dev.tether.playground;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.api.v1alpha1.ObjectStoreSpec;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.SessionPhase;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Tether on one machine, in about a minute: a real control plane, simulated nodes whose session pods run the
 * supervisor and the example agent, the operator, and a node failure to watch the sessions survive.
 */
@Command(name = "playground", mixinStandardHelpOptions = true,
    description = "Runs Tether locally on real or simulated nodes, injects a node failure and shows how the sessions "
        + "move and restore their checkpoints.")
public final class Playground implements Callable<Integer> {
  @Option(names = "--nodes", defaultValue = "real", paramLabel = "real|simulated|N",
      description = "real: kubelets with containerd and runc running the project's images, Tether installed by its"
          + " chart (needs root; falls back to simulated where real nodes cannot run); simulated; or a number of"
          + " simulated nodes (default: ${DEFAULT-VALUE}).")
  String nodes;

  @Option(names = "--node-count", defaultValue = "3",
      description = "Nodes (real: the first runs the operator and etcd; default: ${DEFAULT-VALUE}).")
  int nodeCount;

  @Option(names = "--sessions", defaultValue = "3", description = "AgentSessions (default: ${DEFAULT-VALUE}).")
  int sessions;

  @Option(names = "--steps", defaultValue = "60",
      description = "Steps per agent, 500 ms each, a checkpoint every 4 (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--failure", defaultValue = "crash", converter = FailureConverter.class,
      description = "crash, partition, delete-node or drain (cordon: the operator moves the session with a final checkpoint), on the node of the first "
          + "session (default: ${DEFAULT-VALUE}).")
  Stage.Failure failure;

  @Option(names = "--failure-after", defaultValue = "10",
      description = "Seconds after all sessions run (default: ${DEFAULT-VALUE}).")
  int failureAfter;

  @Option(names = "--object-store", description = "Give the sessions node-local volumes (lost with their node) "
      + "and the object-store tier (S3Proxy: a pod on real nodes, in this process on simulated ones), so they "
      + "restore from there.")
  boolean objectStore;

  @Option(names = "--keep", description = "Keep everything running after the summary, until Ctrl-C.")
  boolean keep;

  private static final int STEP_MILLIS = 500;
  private static final int CHECKPOINT_EVERY = 4;
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private final PrintStream out = System.out;
  private final Timeline timeline = new Timeline(System.out);
  private final Map<String, AgentSessionStatus> statuses = new ConcurrentHashMap<>();
  private final Map<String, Double> failedAt = new ConcurrentHashMap<>();
  private final Map<String, Double> recoveredAt = new ConcurrentHashMap<>();
  private final Map<String, Long> epochAtFailure = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    Path logFile = Files.createTempFile("tether-playground-", ".log");
    System.setProperty("org.slf4j.simpleLogger.logFile", logFile.toString());
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.err.println("logs: " + logFile);
    int code = new CommandLine(new Playground()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    try (Stage stage = startStage()) {
      return run(stage);
    }
  }

  private Stage startStage() {
    boolean real = nodes.equalsIgnoreCase("real");
    if (nodes.chars().allMatch(Character::isDigit)) {
      nodeCount = Integer.parseInt(nodes);
    } else if (!real && !nodes.equalsIgnoreCase("simulated")) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--nodes: real, simulated or a number");
    }
    if (real) {
      Optional<String> unavailable = RealStage.unavailableReason();
      if (unavailable.isEmpty()) {
        timeline.note("starting " + nodeCount + " real nodes, the control plane and Tether (helm install)");
        Stage stage = RealStage.start(nodeCount);
        timeline.note("up: " + stage.describe());
        return stage;
      }
      timeline.note("real nodes cannot run here (" + unavailable.get() + "): using simulated nodes");
    }
    Stage stage = SimulatedStage.start(nodeCount);
    timeline.note("started " + stage.describe());
    return stage;
  }

  private int run(Stage stage) throws Exception {
    String ns = stage.createNamespace();
    timeline.note("export KUBECONFIG=" + stage.kubeconfigFile() + "   # kubectl get ags -n " + ns + " -w");
    follow(stage);
    ObjectStoreSpec tier = objectStore ? stage.objectStore(ns) : null;
    if (tier != null) {
      timeline.note("object store at " + tier.getEndpoint() + ": sessions on node-local volumes, checkpoints "
          + "uploaded before they are acknowledged");
    }
    List<String> names = new ArrayList<>();
    try (SessionWatcher watcher = new SessionWatcher(stage.client(), ns, timeline, this::statusChanged)) {
      for (int i = 1; i <= sessions; i++) {
        String name = "agent-" + i;
        names.add(name);
        AgentSession session = stage.session(ns, name, steps, STEP_MILLIS, CHECKPOINT_EVERY);
        if (tier != null) {
          session.getSpec().getCheckpoint().setStorageClassName("node-local");
          session.getSpec().getCheckpoint().setAccessMode(CheckpointSpec.AccessMode.ReadWriteOnce);
          session.getSpec().getCheckpoint().setObjectStore(tier);
        }
        stage.client().resource(session).create();
      }
      timeline.note("created " + sessions + " AgentSessions: " + steps + " steps of " + STEP_MILLIS
          + " ms each, a checkpoint every " + CHECKPOINT_EVERY + " steps");
      if (!waitUntil(() -> names.stream().allMatch(n -> phase(n) == SessionPhase.Running), TIMEOUT)) {
        timeline.note("sessions did not start; see the log");
        return 1;
      }
      if (!waitUntil(() -> names.stream().allMatch(n -> phase(n) == SessionPhase.Succeeded),
          Duration.ofSeconds(failureAfter))) {
        inject(stage, names.get(0));
      }
      boolean finished = waitUntil(() -> names.stream().allMatch(n -> phase(n) == SessionPhase.Succeeded), TIMEOUT);
      if (!finished) {
        timeline.note("not every session finished within " + TIMEOUT.toMinutes() + " minutes");
      }
      boolean verified = summary(stage, ns, names) && finished;
      if (keep) {
        out.println();
        out.println("Still running. In another terminal:");
        out.println("  export KUBECONFIG=" + stage.kubeconfigFile());
        out.println("  kubectl get ags -n " + ns + " -w");
        out.println("Stop with Ctrl-C.");
        new CountDownLatch(1).await();
      }
      return verified ? 0 : 1;
    }
  }

  private void follow(Stage stage) {
    stage.follow(e -> {
      switch (e.kind()) {
        case RESTORED -> timeline.line(e.session(), "epoch " + e.epoch() + " restored checkpoint " + e.sequence()
            + " (step " + e.step() + ")");
        case RESUMED -> {
          if (e.step() > 1) {
            timeline.line(e.session(), "steps resumed at " + e.step() + " (epoch " + e.epoch() + ")");
          }
        }
        case FENCED -> timeline.line(e.session(), "epoch " + e.epoch()
            + " was fenced: its commit got 409, a newer incarnation owns the session; it exits 75");
        default -> { }
      }
    });
  }

  private void inject(Stage stage, String first) {
    AgentSessionStatus status = statuses.get(first);
    String node = status.getNodeName();
    double now = timeline.seconds();
    statuses.forEach((name, s) -> {
      if (node.equals(s.getNodeName()) && s.getPhase() == SessionPhase.Running) {
        failedAt.put(name, now);
        epochAtFailure.put(name, s.getEpoch());
      }
    });
    timeline.note(">>> " + failure.name().replace('_', '-') + " " + node + " (hosting " + failedAt.keySet() + ")");
    stage.inject(failure, node);
  }

  private void statusChanged(String name, AgentSessionStatus status) {
    statuses.put(name, status);
    Long epoch = epochAtFailure.get(name);
    if (epoch != null && status.getPhase() == SessionPhase.Running && status.getEpoch() > epoch) {
      recoveredAt.putIfAbsent(name, timeline.seconds());
    }
  }

  private boolean summary(Stage stage, String ns, List<String> names) {
    out.println();
    out.printf("%-10s %-9s %-7s %-9s %-20s %-9s %s%n", "SESSION", "PHASE", "EPOCH", "RECOVERY", "RESTORED",
        "REPEATED", "RESULT");
    boolean allGood = true;
    for (String name : names) {
      AgentSession session = stage.client().resources(AgentSession.class).inNamespace(ns).withName(name).get();
      AgentSessionStatus st = session.getStatus();
      Double failed = failedAt.get(name);
      Double recovered = recoveredAt.get(name);
      String recovery = failed == null ? "-" : recovered == null ? "never" : String.format("%.1fs", recovered - failed);
      String restored = st.getRestoredFrom() == null || st.getRestoredFrom().getSequence() == null || st.getEpoch() == 1
          ? "-" : "checkpoint " + st.getRestoredFrom().getSequence() + (st.getRestoredFrom().isFallback() ? " (fallback)" : "");
      String repeated = stage.repeatedSteps(ns, name).map(n -> n + " steps").orElse("-");
      Optional<String> problem = stage.problem(ns, name, steps);
      boolean good = st.getPhase() == SessionPhase.Succeeded && problem.isEmpty();
      allGood &= good;
      out.printf("%-10s %-9s %-7d %-9s %-20s %-9s %s%n", name, st.getPhase(), st.getEpoch(), recovery, restored,
          repeated, problem.map(p -> "WRONG: " + p).orElse("all " + steps + " steps exactly once"));
    }
    out.println();
    out.println(allGood ? "Every session finished with every step exactly once."
        : "Some session did not finish correctly; see above and the log.");
    return allGood;
  }

  private SessionPhase phase(String name) {
    AgentSessionStatus status = statuses.get(name);
    return status == null ? null : status.getPhase();
  }

  /** Polls a condition fed by the watches; false on timeout. */
  private static boolean waitUntil(java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    return true;
  }

  /** Accepts delete-node as well as delete_node. */
  static final class FailureConverter implements CommandLine.ITypeConverter<Stage.Failure> {
    @Override
    public Stage.Failure convert(String value) {
      return Stage.Failure.valueOf(value.trim().toLowerCase().replace('-', '_'));
    }
  }
}
