package dev.tether.bench;

import dev.tether.operator.OperatorSettings;
import dev.tether.testbed.AuditLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Benchmarks 1 and 3: recovery after a node crash for 1 (repeated), 100 and 500 sessions on the failed node,
 * and the operator's API writes per single-session migration, on one control plane with the operator in this
 * JVM. The single-session trials serve both.
 */
final class RecoveryBenchmark {
  /** Recovery targets beyond the detection timeout. */
  private static final Duration TARGET_ONE = Duration.ofSeconds(5);
  private static final Duration TARGET_MANY = Duration.ofSeconds(30);
  private static final int WRITES_TARGET = 4;

  private final Duration detection;
  private final int trials;
  private final List<Integer> sizes;
  private final Map<String, String> operatorEnv;
  /** Recovery times (status Running, new epoch) by sessions on the failed node; all trials pooled. */
  final Map<Integer, List<Double>> restored = new TreeMap<>();
  final List<RecoveryTrial.Result> singleTrials = new ArrayList<>();

  RecoveryBenchmark(Duration detection, int trials, List<Integer> sizes, Map<String, String> operatorEnv) {
    this.detection = detection;
    this.trials = trials;
    this.sizes = sizes;
    this.operatorEnv = operatorEnv;
  }

  OperatorSettings settings() {
    Map<String, String> env = new java.util.HashMap<>(operatorEnv);
    env.put("TETHER_DETECTION_TIMEOUT", detection.toSeconds() + "s");
    return OperatorSettings.fromEnv(env);
  }

  void run() {
    int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(1);
    try (BenchCluster cluster = new BenchCluster(false, Math.max(250, largest + 100), Duration.ofSeconds(1))) {
      cluster.startOperator(settings());
      for (int size : sizes) {
        int repeats = size == 1 ? trials : 1;
        Duration timeout = detection.plus(Duration.ofSeconds(120 + size / 2));
        for (int trial = 0; trial < repeats; trial++) {
          RecoveryTrial.Result result = RecoveryTrial.run(cluster, "r" + size + "t" + trial, size, timeout);
          System.err.printf("recovery: %d session(s), trial %d: p50 %.1f s, max %.1f s, %d operator writes%n", size,
              trial, Stats.ofMillis(result.restoredMillis()).p50() / 1000,
              Stats.ofMillis(result.restoredMillis()).max() / 1000, result.totalWrites());
          restored.computeIfAbsent(size, s -> new ArrayList<>()).addAll(result.restoredMillis());
          if (size == 1) {
            singleTrials.add(result);
          }
          podRunning.computeIfAbsent(size, s -> new ArrayList<>()).addAll(result.podRunningMillis());
          writesPerSize.computeIfAbsent(size, s -> new ArrayList<>()).add((double) result.totalWrites() / size);
        }
      }
    }
  }

  private final Map<Integer, List<Double>> podRunning = new TreeMap<>();
  private final Map<Integer, List<Double>> writesPerSize = new TreeMap<>();

  void reportRecovery(Report report) {
    OperatorSettings settings = settings();
    report.heading("1. Recovery after a node crash");
    report.line(String.format("Detection timeout %d s (operator default for these sessions); simulated nodes "
        + "heartbeat every 1 s; migration rate limit %.0f/s (operator default); fencing ForceDelete; checkpoint "
        + "volumes ReadWriteMany (a ReadWriteOnce volume stays attached to a crashed node for 6 min in Kubernetes "
        + "and in the simulation). Time from `crash()` of the node to the new pod Running on another node, and to "
        + "the session's status Running with the new epoch (restored). The 1-session row pools %d crashes; "
        + "100 and 500 are one crash each.", detection.toSeconds(), settings.migrationsPerSecond(), trials));
    report.line("");
    var rows = Report.rows();
    for (var entry : restored.entrySet()) {
      int size = entry.getKey();
      Stats pod = Stats.ofMillis(podRunning.get(size));
      Stats status = Stats.ofMillis(entry.getValue());
      Duration target = detection.plus(size == 1 ? TARGET_ONE : TARGET_MANY);
      boolean met = status.p99() <= target.toMillis();
      rows.add(List.of(Integer.toString(size), Integer.toString(status.n()), detection.toSeconds() + " s",
          Stats.seconds(pod.p50()), Stats.seconds(pod.p99()), Stats.seconds(pod.max()),
          Stats.seconds(status.p50()), Stats.seconds(status.p99()), Stats.seconds(status.max()),
          "p99 <= " + target.toSeconds() + " s: " + (met ? "met" : "MISSED by "
              + Stats.seconds(status.p99() - target.toMillis()))));
    }
    report.table(List.of("sessions on node", "samples", "detection", "pod Running p50", "p99", "max",
        "restored p50", "p99", "max", "target"), rows);
  }

  void reportWrites(Report report) {
    report.heading("3. API writes per migration");
    report.line("Writes by the operator's own user (`" + BenchCluster.OPERATOR_USER + "`, from the apiserver's "
        + "audit log) from the crash until 3 s after the session was restored, failed requests included. Floor: 3 "
        + "(delete the old pod, create the new pod, patch the status).");
    report.line("");
    Map<AuditLog.Key, Long> sum = new TreeMap<>(java.util.Comparator.comparing(AuditLog.Key::resource)
        .thenComparing(AuditLog.Key::verb));
    for (RecoveryTrial.Result trial : singleTrials) {
      trial.operatorWrites().forEach((key, count) -> sum.merge(key, count, Long::sum));
    }
    int n = singleTrials.size();
    var rows = Report.rows();
    sum.forEach((key, count) -> rows.add(List.of(key.verb(), key.resource(), String.format("%.2f", (double) count / n))));
    long total = sum.values().stream().mapToLong(Long::longValue).sum();
    long events = sum.entrySet().stream().filter(e -> e.getKey().resource().equals("events"))
        .mapToLong(Map.Entry::getValue).sum();
    double perMigration = (double) total / n;
    double withoutEvents = (double) (total - events) / n;
    rows.add(List.of("**all**", "", String.format("**%.2f**", perMigration)));
    rows.add(List.of("all but events", "", String.format("%.2f", withoutEvents)));
    report.table(List.of("verb", "resource", "per migration (mean of " + n + ")"), rows);
    report.line(String.format("Target <= %d writes per migration: %s (all writes); %s without Kubernetes Events.",
        WRITES_TARGET, perMigration <= WRITES_TARGET ? "met" : "MISSED by " + String.format("%.2f", perMigration - WRITES_TARGET),
        withoutEvents <= WRITES_TARGET ? "met" : "missed by " + String.format("%.2f", withoutEvents - WRITES_TARGET)));
    if (!writesPerSize.isEmpty()) {
      report.line("");
      report.line("In the mass crashes: " + writesPerSize.entrySet().stream()
          .filter(e -> e.getKey() > 1)
          .map(e -> String.format("%.2f writes per migration with %d sessions", 
              e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), e.getKey()))
          .reduce((a, b) -> a + ", " + b).orElse("") + ".");
    }
  }
}
