package dev.tether.playground;

import dev.tether.api.Tether;
import dev.tether.testbed.real.RealCluster;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the example agents on real nodes did, read from their logs on the nodes' disks (readable while a node
 * is silent): restores, resumed steps, checkpoints and fencing, as journal entries.
 */
final class AgentLogs implements AutoCloseable {
  private static final Pattern RESTORED = Pattern.compile("restored checkpoint (\\d+) at step (\\d+)");
  private static final Pattern RESUMED = Pattern.compile("working on steps (\\d+)\\.\\.");
  private static final Pattern CHECKPOINT = Pattern.compile("^.*\\] checkpoint (\\d+) at step (\\d+)");
  private static final Pattern FENCED = Pattern.compile("fenced: a newer incarnation");

  private final RealCluster cluster;
  private final List<Consumer<AgentJournal.Entry>> followers = new CopyOnWriteArrayList<>();
  /** Lines already seen, per pod. */
  private final Map<String, Integer> seen = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "playground-agent-logs");
    thread.setDaemon(true);
    return thread;
  });

  AgentLogs(RealCluster cluster) {
    this.cluster = cluster;
    poller.scheduleWithFixedDelay(this::poll, 500, 500, TimeUnit.MILLISECONDS);
  }

  void follow(Consumer<AgentJournal.Entry> follower) {
    followers.add(follower);
  }

  private void poll() {
    try {
      for (Pod pod : cluster.client().pods().inAnyNamespace().withLabel(Tether.LABEL_SESSION).list().getItems()) {
        read(pod);
      }
    } catch (RuntimeException e) {
      // the apiserver may be busy; the next round reads on
    }
  }

  private void read(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String session = pod.getMetadata().getLabels().get(Tether.LABEL_SESSION);
    long epoch = Long.parseLong(pod.getMetadata().getLabels().getOrDefault(Tether.LABEL_EPOCH, "0"));
    List<String> lines = cluster.containerLog(namespace, name, "agent").lines().toList();
    int from = seen.getOrDefault(namespace + "/" + name, 0);
    for (String line : lines.subList(Math.min(from, lines.size()), lines.size())) {
      entry(line, namespace, session, epoch).ifPresent(e -> followers.forEach(f -> f.accept(e)));
    }
    seen.put(namespace + "/" + name, lines.size());
  }

  private static java.util.Optional<AgentJournal.Entry> entry(String line, String namespace, String session,
      long epoch) {
    Matcher m;
    if ((m = RESTORED.matcher(line)).find()) {
      return java.util.Optional.of(new AgentJournal.Entry(Instant.now(), namespace, session, epoch,
          AgentJournal.Kind.RESTORED, Integer.parseInt(m.group(2)), Long.parseLong(m.group(1)), 0));
    }
    if ((m = RESUMED.matcher(line)).find()) {
      return java.util.Optional.of(new AgentJournal.Entry(Instant.now(), namespace, session, epoch,
          AgentJournal.Kind.RESUMED, Integer.parseInt(m.group(1)), 0, 0));
    }
    if ((m = CHECKPOINT.matcher(line)).find()) {
      return java.util.Optional.of(new AgentJournal.Entry(Instant.now(), namespace, session, epoch,
          AgentJournal.Kind.CHECKPOINT, Integer.parseInt(m.group(2)), Long.parseLong(m.group(1)), 0));
    }
    if (FENCED.matcher(line).find()) {
      return java.util.Optional.of(new AgentJournal.Entry(Instant.now(), namespace, session, epoch,
          AgentJournal.Kind.FENCED, 0, 0, 0));
    }
    return java.util.Optional.empty();
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
