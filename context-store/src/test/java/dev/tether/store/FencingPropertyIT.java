package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.testbed.EtcdServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fencing protocol against a real etcd, over random interleavings of what operators and incarnations do:
 * an operator starts a new incarnation (raises the epoch), a stale or repeated decision raises it again to an
 * old value (a lost response, a new leader with a lagging cache), incarnations old and new commit with the
 * sequence they last saw (a partitioned one comes back late), retention prunes, a deleted session's
 * checkpoints go (its epoch stays), and etcd goes down and comes back. After every step:
 *
 * <ul>
 *   <li>the epoch never goes down, and every start gets an epoch above all before it;
 *   <li>a commit is acknowledged only for the incarnation of the store's current epoch: at most one can commit;
 *   <li>no acknowledged checkpoint is lost (unless retention or a deletion removed it on purpose), and the
 *       newest one is what a restore would read.
 * </ul>
 *
 * The seed is printed, and {@code -Dtether.property.seed=N} replays a run.
 */
class FencingPropertyIT {
  private static final int CASES = Integer.getInteger("tether.property.cases", 120);
  private static final int STEPS = 40;
  private static final int OUTAGES = 3;
  private static EtcdServer etcd;
  private static ContextStore store;

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

  @Test
  void atMostOneIncarnationCommitsAndNoAcknowledgedCheckpointIsLost() {
    long seed = Long.getLong("tether.property.seed", System.nanoTime());
    Random random = new Random(seed);
    int outages = 0;
    int steps = 0;
    int acknowledged = 0;
    int refused = 0;
    System.out.printf("fencing property: seed %d, %d cases of %d steps (replay with -Dtether.property.seed=%d)%n",
        seed, CASES, STEPS, seed);
    for (int c = 0; c < CASES; c++) {
      Model model = new Model(SessionKey.of("property", "case-" + seed + "-" + c));
      for (int s = 0; s < STEPS; s++, steps++) {
        int dice = random.nextInt(100);
        String what;
        if (dice < 15) {
          what = model.start();
        } else if (dice < 25) {
          what = model.staleRaise(random);
        } else if (dice < 85) {
          what = model.commit(random);
        } else if (dice < 92) {
          what = model.prune(random);
        } else if (dice < 95) {
          what = model.deleteCheckpoints();
        } else if (outages < OUTAGES && dice >= 99) {
          outages++;
          what = model.duringOutage(random);
        } else {
          what = model.start();
        }
        model.check(what + " (seed " + seed + ", case " + c + ", step " + s + ")");
      }
      acknowledged += model.acknowledged;
      refused += model.refused;
    }
    System.out.printf("fencing property: %d steps, %d commits acknowledged, %d refused, %d etcd outages%n",
        steps, acknowledged, refused, outages);
    assertThat(acknowledged).as("the run exercised commits").isPositive();
    assertThat(refused).as("the run exercised fencing").isPositive();
  }

  /** What the operator and the incarnations believe, and what the store must therefore hold. */
  private static final class Model {
    final SessionKey key;
    /** Epochs handed to incarnations, in order; each one's view of the last sequence. */
    final List<Long> incarnations = new ArrayList<>();
    final Map<Long, Long> seenSequence = new TreeMap<>();
    /** Acknowledged checkpoints that must still be there: sequence -> epoch. */
    final TreeMap<Long, Long> kept = new TreeMap<>();
    long decidedEpoch;
    long lastEpochSeen;
    long highestAcknowledged;
    int acknowledged;
    int refused;

    Model(SessionKey key) {
      this.key = key;
    }

    String start() {
      long next = Math.max(decidedEpoch, store.epoch(key)) + 1;
      long now = store.advanceEpoch(key, next);
      assertThat(now).as("the epoch of a new incarnation").isEqualTo(next);
      decidedEpoch = next;
      incarnations.add(next);
      seenSequence.put(next, store.lastSequence(key));
      return "start " + next;
    }

    String staleRaise(Random random) {
      if (incarnations.isEmpty()) {
        return start();
      }
      long old = incarnations.get(random.nextInt(incarnations.size()));
      store.advanceEpoch(key, old);
      return "stale raise to " + old;
    }

    String commit(Random random) {
      if (incarnations.isEmpty()) {
        return start();
      }
      // Newer incarnations commit more often; old ones come back now and then.
      int i = random.nextInt(4) == 0 ? random.nextInt(incarnations.size()) : incarnations.size() - 1;
      long epoch = incarnations.get(i);
      long sequence = seenSequence.get(epoch) + 1;
      long current = store.epoch(key);
      CommitResult result = store.commit(key, epoch, manifest(sequence, epoch));
      if (result instanceof CommitResult.Committed) {
        assertThat(epoch).as("only the current epoch commits").isEqualTo(current);
        assertThat(sequence).as("sequences only grow").isGreaterThan(highestAcknowledged);
        kept.put(sequence, epoch);
        highestAcknowledged = sequence;
        seenSequence.put(epoch, sequence);
        acknowledged++;
      } else if (result instanceof CommitResult.Fenced fenced) {
        assertThat(epoch).as("fenced only below the current epoch").isLessThan(fenced.currentEpoch());
        refused++;
      } else if (result instanceof CommitResult.SequenceConflict) {
        // Its view of the sequence was stale: it reads again, as the supervisor does.
        seenSequence.put(epoch, store.lastSequence(key));
      }
      return "commit " + sequence + " by epoch " + epoch + ": " + result.getClass().getSimpleName();
    }

    String prune(Random random) {
      int retain = 1 + random.nextInt(3);
      List<Manifest> removed = store.prune(key, retain);
      removed.forEach(m -> kept.remove(m.sequence()));
      while (kept.size() > retain) {
        kept.pollFirstEntry();
      }
      return "prune to " + retain;
    }

    String deleteCheckpoints() {
      store.deleteCheckpoints(key);
      kept.clear();
      highestAcknowledged = 0;
      seenSequence.replaceAll((epoch, seen) -> 0L);
      return "delete checkpoints";
    }

    /** etcd is down: what is tried fails without effect; then it comes back. */
    String duringOutage(Random random) {
      long epochBefore = store.epoch(key);
      etcd.stop();
      try {
        try {
          if (random.nextBoolean()) {
            store.advanceEpoch(key, epochBefore + 1);
          } else if (!incarnations.isEmpty()) {
            long epoch = incarnations.get(incarnations.size() - 1);
            store.commit(key, epoch, manifest(seenSequence.get(epoch) + 1, epoch));
          }
        } catch (StoreException expected) {
          // Unreachable: nothing was applied.
        }
      } finally {
        etcd.startProcess();
      }
      return "etcd outage";
    }

    void check(String step) {
      long epoch = store.epoch(key);
      assertThat(epoch).as("epoch never goes down after " + step).isGreaterThanOrEqualTo(lastEpochSeen);
      lastEpochSeen = epoch;
      List<Manifest> manifests = store.manifests(key);
      Map<Long, Long> stored = new TreeMap<>();
      manifests.forEach(m -> stored.put(m.sequence(), m.epoch()));
      assertThat(stored).as("no acknowledged checkpoint lost after " + step).containsAllEntriesOf(kept);
      if (!kept.isEmpty()) {
        assertThat(store.latest(key)).as("a restore reads the newest acknowledged one after " + step)
            .get().extracting(Manifest::sequence).isEqualTo(kept.lastKey());
      }
    }
  }

  private static Manifest manifest(long sequence, long epoch) {
    return ContextStoreIT.manifest(sequence, epoch);
  }
}
