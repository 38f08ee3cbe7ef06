package dev.tether.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.MigrationRecord;
import dev.tether.api.v1alpha1.SessionPhase;
import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import dev.tether.store.SessionKey;
import dev.tether.testbed.sim.SimulatedNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three sessions running the real agent and supervisor on four simulated nodes, hit at random (seeded) times by
 * node crashes and partitions (up to two nodes down at once) and partitions that heal before the detection
 * timeout. Whatever happens, every session must finish with every step exactly once, every restore
 * digest-verified, and the fencing rules kept: epochs only grow and no sequence is committed twice.
 */
class ChaosIT {
  static final int SESSIONS = 3;
  static final int STEPS = 120;
  static final int FAULTS = 6;
  /** A failed node comes back only after the operator noticed (detection 4 s), so every hit is a migration. */
  static final int MIN_DOWN_MILLIS = 6_000;
  static final Duration TIMEOUT = Duration.ofSeconds(150);
  /** A blip: a partition that heals before the detection timeout (4 s); the invariants hold whether it moves anything. */
  static final int BLIP_MAX_MILLIS = 1_500;
  /** Nodes down at the same time (the next pod avoids every node the operator judges failed). */
  static final int MAX_DOWN = Integer.getInteger("chaos.maxDown", 2);

  final SessionCluster bed = PlaygroundBed.get();
  final Map<String, Integer> hits = new ConcurrentHashMap<>();
  final Set<SimulatedNode> down = ConcurrentHashMap.newKeySet();

  @Test
  void everySessionFinishesWithEveryStepOnceThroughCrashesAndPartitions() throws Exception {
    long seed = Long.getLong("chaos.seed", System.nanoTime());
    System.out.println("chaos seed " + seed + " (repeat with -Dchaos.seed=" + seed + ")");
    Random random = new Random(seed);
    String ns = PlaygroundBed.newNamespace("chaos");
    String pool = PlaygroundBed.newPool();
    List<SimulatedNode> nodes = new ArrayList<>();
    for (String n : List.of("n1", "n2", "n3", "n4")) {
      nodes.add(PlaygroundBed.addNode(pool, n));
    }
    List<String> sessions = new ArrayList<>();
    ScheduledExecutorService healer = Executors.newSingleThreadScheduledExecutor();
    try (StoreHistory history = new StoreHistory(bed.store(), ns)) {
      StepAgentSession template = new StepAgentSession(STEPS, Duration.ofMillis(150), 3, "4s",
          Map.of(PlaygroundBed.POOL_LABEL, pool));
      for (int i = 0; i < SESSIONS; i++) {
        sessions.add("c" + i);
        bed.client().resource(template.build(ns, "c" + i)).create();
      }
      for (String s : sessions) {
        PlaygroundBed.awaitSession(ns, s, TIMEOUT, a -> a.getStatus().getPhase() == SessionPhase.Running);
      }

      for (int fault = 0; fault < FAULTS; fault++) {
        Thread.sleep(300 + random.nextInt(1500)); // the chaos schedule, not a wait for a condition
        Optional<SimulatedNode> victim = pickVictim(ns, sessions, random);
        if (victim.isEmpty()) {
          break; // every session finished
        }
        SimulatedNode node = victim.get();
        int kind = random.nextInt(3); // 0 crash, 1 partition, 2 blip
        List<String> hosted = runningOn(ns, sessions, node.name());
        System.out.printf("fault %d: %s %s hosting %s%n", fault + 1,
            kind == 0 ? "crash" : kind == 1 ? "partition" : "blip", node.name(), hosted);
        if (kind != 2) {
          hosted.forEach(s -> hits.merge(s, 1, Integer::sum));
        }
        down.add(node);
        if (kind == 0) {
          node.crash();
        } else {
          node.partition();
        }
        int downMillis = kind == 2 ? 500 + random.nextInt(BLIP_MAX_MILLIS - 500)
            : MIN_DOWN_MILLIS + random.nextInt(3000);
        healAfter(healer, node, downMillis);
      }

      for (String s : sessions) {
        PlaygroundBed.awaitSession(ns, s, TIMEOUT, a -> a.getStatus().getPhase() == SessionPhase.Succeeded);
      }
      healer.shutdown();
      assertThat(healer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      assertThat(hits.values()).as("the chaos hit at least one running session").anyMatch(h -> h > 0);

      for (String s : sessions) {
        verify(ns, s, history);
      }
    } finally {
      healer.shutdownNow();
      nodes.forEach(SimulatedNode::heal);
    }
  }

  private void verify(String ns, String name, StoreHistory history) {
    SessionKey key = SessionKey.of(ns, name);
    AgentSession session = PlaygroundBed.get(ns, name);
    var status = session.getStatus();
    System.out.printf("%s: epoch %d, %d migrations, %d steps repeated%n", name, status.getEpoch(),
        status.getMigrationCount(), bed.journal().repeatedSteps(ns, name));

    FinalContext.assertComplete(FinalContext.read(bed.store(), key, bed.nodes().volumeDir(ns, name + "-checkpoints")),
        name, STEPS);

    // Restores: every incarnation that started recorded one, digest-verified, never a fallback.
    assertThat(status.getRestoredFrom().getEpoch()).isEqualTo(status.getEpoch());
    assertThat(status.getRestoredFrom().isFallback()).isFalse();
    for (long epoch = 1; epoch <= status.getEpoch(); epoch++) {
      Optional<RestoreRecord> restore = bed.store().restore(key, epoch);
      if (epoch == status.getEpoch()) {
        assertThat(restore).as("restore of the last incarnation of %s", name).isPresent();
      }
      restore.ifPresent(r -> {
        assertThat(r.fallback()).as("%s", r).isFalse();
        assertThat(r.sequence() == null || r.digest().startsWith("sha256:")).as("%s", r).isTrue();
      });
    }

    // Migrations: one per new incarnation, each to a larger epoch; every session that was hit moved.
    assertThat(status.getEpoch()).isEqualTo(status.getMigrationCount() + 1L);
    assertThat(status.getMigrationCount()).isGreaterThanOrEqualTo(hits.getOrDefault(name, 0));
    List<MigrationRecord> migrations = status.getMigrations() == null ? List.of() : status.getMigrations();
    assertThat(migrations).hasSize(status.getMigrationCount());
    migrations.forEach(m -> assertThat(m.getToEpoch()).isGreaterThan(m.getFromEpoch()));
    assertThat(migrations).extracting(MigrationRecord::getToEpoch).isSorted().doesNotHaveDuplicates();

    // Fencing: epochs only grew, and no sequence was committed twice or by an older incarnation after a newer one.
    assertThat(history.epochs(key)).isSorted().doesNotHaveDuplicates().endsWith(status.getEpoch());
    List<Manifest> commits = history.commits(key);
    assertThat(commits).extracting(Manifest::sequence).isSorted().doesNotHaveDuplicates();
    assertThat(commits).extracting(Manifest::epoch).isSorted();

    // Agents: older incarnations were killed, stopped or fenced, or (cut off, but not yet fenced) finished the
    // work themselves; the last one finished it.
    for (long epoch = 1; epoch < status.getEpoch(); epoch++) {
      bed.journal().exitCode(ns, name, epoch).ifPresent(code -> assertThat(code).isIn(0, 75, 137, 143));
    }
    assertThat(bed.journal().exitCode(ns, name, status.getEpoch())).contains(0);
  }

  /** A healthy node hosting a running session, while fewer than MAX_DOWN nodes are down; empty when all finished. */
  private Optional<SimulatedNode> pickVictim(String ns, List<String> sessions, Random random) {
    List<SimulatedNode> candidates = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (sessions.stream().allMatch(s -> PlaygroundBed.get(ns, s).getStatus().getPhase() == SessionPhase.Succeeded)) {
        return List.<SimulatedNode>of();
      }
      if (down.size() >= MAX_DOWN) {
        return null;
      }
      List<SimulatedNode> hosting = sessions.stream()
          .map(s -> PlaygroundBed.get(ns, s).getStatus())
          .filter(st -> st.getPhase() == SessionPhase.Running && st.getNodeName() != null)
          .map(st -> bed.nodes().node(st.getNodeName()))
          .filter(n -> !down.contains(n) && n.isHealthy())
          .distinct()
          .sorted(Comparator.comparing(SimulatedNode::name))
          .toList();
      return hosting.isEmpty() ? null : hosting;
    }, c -> c != null);
    return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(random.nextInt(candidates.size())));
  }

  private void healAfter(ScheduledExecutorService healer, SimulatedNode node, long millis) {
    healer.schedule(() -> {
      node.heal();
      down.remove(node);
    }, millis, TimeUnit.MILLISECONDS);
  }

  /** Sessions whose agent is working on the node: status may still say Running for an agent that just finished. */
  private List<String> runningOn(String ns, List<String> sessions, String node) {
    return sessions.stream().filter(s -> {
      var st = PlaygroundBed.get(ns, s).getStatus();
      return st.getPhase() == SessionPhase.Running && node.equals(st.getNodeName())
          && bed.journal().exitCode(ns, s, st.getEpoch()).isEmpty();
    }).toList();
  }
}
