package dev.tether.bench;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.testbed.Namespaces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 4: the operator's heap and CPU with 1,000 and 5,000 idle Running sessions, and how long it takes to
 * bring 1,000 new sessions to Running. The operator runs as its own JVM against its own control plane.
 */
final class FootprintBenchmark {
  private static final int NODES = 20;
  private static final long HEAP_TARGET = 100L * 1024 * 1024;
  private static final double KIB_PER_SESSION_TARGET = 15;
  private static final String MAX_HEAP = "512m";

  private final List<Integer> sizes;
  private final Duration idle;
  private final Duration detection;
  /** Longest wait for one step's sessions to reach Running; the run must fit in about half an hour. */
  private final Duration budget;
  /** Rows of the class histogram to report after each step; 0 for none. */
  private final int histogramTop;
  private final List<String> histograms = new ArrayList<>();
  private long baselineHeap;

  FootprintBenchmark(List<Integer> sizes, Duration idle, Duration detection, Duration budget, int histogramTop) {
    this.budget = budget;
    this.histogramTop = histogramTop;
    this.sizes = sizes;
    this.idle = idle;
    this.detection = detection;
  }

  void run(Report report) throws Exception {
    int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
    int podsPerNode = Math.max(250, (int) Math.ceil(largest * 1.2 / NODES));
    var rows = Report.rows();
    String notes = "";
    try (BenchCluster cluster = new BenchCluster(false, podsPerNode, Duration.ofSeconds(2))) {
      for (int i = 0; i < NODES; i++) {
        cluster.addNode("fp", "node-" + i);
      }
      String namespace = Namespaces.create(cluster.client(), "fp");
      java.nio.file.Path log = cluster.plane().kubeconfigFile().resolveSibling("operator-process.log");
      try (var running = new FirstSeen<AgentSession>(
              cluster.client().resources(AgentSession.class).inNamespace(namespace), s -> s.getMetadata().getName());
           var operator = new OperatorProcess(cluster.plane().kubeconfigFile(), MAX_HEAP,
               Map.of("TETHER_DETECTION_TIMEOUT", detection.toSeconds() + "s"), log)) {
        running.arm(s -> s.getStatus() != null && s.getStatus().getPhase() == SessionPhase.Running);
        baselineHeap = operator.heapAfterGc();
        int have = 0;
        for (int size : sizes) {
          int add = size - have;
          long started = System.nanoTime();
          cluster.createSessions(namespace, "s" + size, add, "fp", 4);
          int target = size;
          boolean all = Await.within(budget, () -> running.count() >= target);
          Duration took = Duration.ofNanos(System.nanoTime() - started);
          int reached = running.count();
          System.err.printf("footprint: %d of %d sessions Running after %.1f s%n", reached, size, took.toMillis() / 1000.0);
          have = size;
          String created = all
              ? "+" + add + " to Running in " + Stats.seconds(took.toMillis())
                  + String.format(" (%.1f/s)", add / (took.toMillis() / 1000.0))
              : "+" + add + " created; only " + (reached - (size - add)) + " Running after the "
                  + budget.toMinutes() + " min budget";
          rows.add(measureRow(operator, reached, created));
        }
        notes = String.format("Heap right after start, no sessions: %.0f MiB.", baselineHeap / 1048576.0);
      }
    }
    report.heading("4. Operator heap and CPU");
    report.line("The operator as its own JVM (`java -Xmx" + MAX_HEAP + " ... dev.tether.operator.OperatorMain`, "
        + "no checkpoint store, JOSDK/Micrometer metrics on), against its own apiserver with " + NODES
        + " simulated nodes (" + podsPerNode + " pods each, heartbeat 2 s). Sessions are created with 4 client "
        + "threads; \"to Running\" is from the first create until every session's status is Running, so it "
        + "includes the apiserver, the simulated scheduler, kubelets and volume provisioner on the same 2 cores. "
        + "Heap: `jvm_memory_used_bytes{area=\"heap\"}` after `jcmd GC.run`. CPU: utime+stime from "
        + "/proc/<pid>/stat over " + idle.toSeconds() + " s with nothing changing, as a share of one core.");
    report.line("");
    report.table(List.of("idle Running sessions", "created", "heap after GC", "per session above the empty heap",
        "RSS", "idle CPU", "target heap <= 100 MiB at 5,000, <= 15 KiB per session"), rows);
    report.line(notes);
    for (String histogram : histograms) {
      report.line("");
      report.line(histogram);
    }
  }

  private List<String> measureRow(OperatorProcess operator, int sessions, String created) throws InterruptedException {
    // Let the last status writes and resyncs pass before the idle window.
    Thread.sleep(5000);
    long cpuBefore = operator.cpuMillis();
    long start = System.nanoTime();
    Thread.sleep(idle.toMillis());
    double cpuShare = (operator.cpuMillis() - cpuBefore) / ((System.nanoTime() - start) / 1e6);
    long heap = operator.heapAfterGc();
    double kibPerSession = sessions == 0 ? 0 : (heap - baselineHeap) / 1024.0 / sessions;
    String verdict = kibPerSession <= KIB_PER_SESSION_TARGET ? "per session met" : String.format(
        "per session MISSED by %.1f KiB", kibPerSession - KIB_PER_SESSION_TARGET);
    if (sessions >= 5000) {
      verdict += heap <= HEAP_TARGET ? "; heap met" : String.format("; heap MISSED by %.0f MiB",
          (heap - HEAP_TARGET) / 1048576.0);
    }
    if (histogramTop > 0) {
      histograms.add(histogram(operator, sessions));
    }
    return List.of(String.format("%,d", sessions), created == null ? "-" : created,
        String.format("%.0f MiB", heap / 1048576.0), String.format("%.1f KiB", kibPerSession),
        String.format("%.0f MiB", operator.rss() / 1048576.0),
        String.format("%.1f%% of a core", cpuShare * 100), verdict);
  }

  /** The operator's largest live classes at this step, as a fenced block for the results. */
  private String histogram(OperatorProcess operator, int sessions) {
    var text = new StringBuilder(String.format("Live classes at %,d sessions (top %d by bytes, "
        + "`jcmd GC.class_histogram`):%n", sessions, histogramTop)).append("```\n");
    operator.classHistogram(histogramTop).forEach(l -> text.append(l).append('\n'));
    return text.append("```").toString();
  }
}
