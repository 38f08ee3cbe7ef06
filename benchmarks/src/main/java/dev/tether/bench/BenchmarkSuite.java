package dev.tether.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs the selected benchmarks in one invocation, prints a Markdown report as it goes, and writes it with the
 * recovery plot to the output directory.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Tether benchmarks: recovery, peer, writes, footprint, commit, real (recovery on real nodes), or all.")
public final class BenchmarkSuite implements Callable<Integer> {
  static final List<String> ALL = List.of("commit", "recovery", "writes", "peer", "footprint", "real");

  @Parameters(arity = "0..*", description = "Benchmarks to run (default: all): ${COMPLETION-CANDIDATES}",
      completionCandidates = Names.class)
  List<String> names = List.of("all");

  @Option(names = "--out", description = "Directory for results.md and the plot (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("benchmarks/target/bench");

  @Option(names = "--detection-timeout", description = "Detection timeout in seconds (default: ${DEFAULT-VALUE}).")
  int detectionSeconds = 10;

  @Option(names = "--trials", description = "Single-session crashes (default: ${DEFAULT-VALUE}).")
  int trials = 10;

  @Option(names = "--sizes", split = ",", description = "Sessions on the crashed node (default: 1,100,500).")
  List<Integer> sizes = List.of(1, 100, 500);

  @Option(names = "--migrations-per-second", description = "Operator's migration rate limit for the recovery "
      + "benchmark (default: the operator's default, 10).")
  Double migrationsPerSecond;

  @Option(names = "--peer-bound", description = "How long to wait for the baselines' replacement pods, in seconds "
      + "(default: ${DEFAULT-VALUE}; Kubernetes evicts after ~340 s).")
  int peerBoundSeconds = 420;

  @Option(names = "--footprint-sizes", split = ",", description = "Idle sessions (default: 1000,5000).")
  List<Integer> footprintSizes = List.of(1000, 5000);

  @Option(names = "--footprint-budget", description = "Longest wait for one footprint step's sessions to reach "
      + "Running, minutes (default: ${DEFAULT-VALUE}).")
  int footprintBudgetMinutes = 10;

  @Option(names = "--footprint-histogram", description = "Add the operator's top N live classes by bytes "
      + "(jcmd GC.class_histogram) after each footprint step to the results (default: ${DEFAULT-VALUE}, none).")
  int footprintHistogram = 0;

  @Option(names = "--idle", description = "Idle window for the CPU measurement, seconds (default: ${DEFAULT-VALUE}).")
  int idleSeconds = 60;

  @Option(names = "--real-trials", description = "Node crashes per context size on real nodes (default: ${DEFAULT-VALUE}).")
  int realTrials = 3;

  @Option(names = "--commit-iterations", description = "Commits per path and size (default: ${DEFAULT-VALUE}).")
  int commitIterations = 200;

  static final class Names extends java.util.ArrayList<String> {
    Names() {
      super(ALL);
      add("all");
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchmarkSuite()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Set<String> selected = new LinkedHashSet<>();
    for (String name : names) {
      if (name.equals("all")) {
        selected.addAll(ALL);
      } else if (ALL.contains(name)) {
        selected.add(name);
      } else {
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown benchmark: " + name);
      }
    }
    Duration detection = Duration.ofSeconds(detectionSeconds);
    Report report = new Report();
    report.line("# Tether benchmark results");
    report.line("");
    report.line("Machine: " + Machine.describe() + ".  ");
    report.line("Benchmarks: " + String.join(", ", selected) + ".");
    long started = System.nanoTime();

    if (selected.contains("commit")) {
      new CommitLatencyBenchmark(commitIterations).run(report);
    }
    RecoveryBenchmark recovery = null;
    if (selected.contains("recovery") || selected.contains("writes")) {
      List<Integer> runSizes = selected.contains("recovery") ? sizes : List.of(1);
      recovery = new RecoveryBenchmark(detection, trials, runSizes, migrationsPerSecond == null ? Map.of()
          : Map.of("TETHER_MIGRATIONS_PER_SECOND", Double.toString(migrationsPerSecond)));
      recovery.run();
      if (selected.contains("recovery")) {
        recovery.reportRecovery(report);
      }
      if (selected.contains("writes")) {
        recovery.reportWrites(report);
      }
    }
    PeerBenchmark peer = null;
    if (selected.contains("peer")) {
      peer = new PeerBenchmark(detection, Duration.ofSeconds(peerBoundSeconds));
      peer.run();
      peer.report(report, recovery);
    }
    if (selected.contains("footprint")) {
      new FootprintBenchmark(footprintSizes, Duration.ofSeconds(idleSeconds), detection,
          Duration.ofMinutes(footprintBudgetMinutes), footprintHistogram).run(report);
    }
    if (selected.contains("real")) {
      RealNodeRecoveryBenchmark real = new RealNodeRecoveryBenchmark(detection, realTrials);
      real.run();
      real.report(report);
    }
    if (recovery != null && selected.contains("recovery")) {
      Path plot = out.resolve("recovery.png");
      RecoveryPlot.write(plot, recovery, peer);
      report.line("");
      report.line("Plot: `" + plot + "`.");
    }
    report.line("");
    report.line(String.format("Run took %.1f min.", (System.nanoTime() - started) / 60e9));
    report.writeTo(out.resolve("results.md"));
    return 0;
  }
}
