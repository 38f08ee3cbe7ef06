package dev.tether.playground;

import dev.tether.api.Tether;
import dev.tether.examples.agent.AgentListener;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Everything the agents of all simulated session pods did, in order: what the timeline, the summary and the
 * chaos tests read (which steps each incarnation executed, what it restored, how it exited).
 */
public final class AgentJournal implements Function<Pod, AgentListener> {
  /** One thing an agent did. {@code step} and {@code sequence} are 0 where they do not apply. */
  public record Entry(Instant time, String namespace, String session, long epoch, Kind kind, int step, long sequence,
                      int exitCode) {}

  public enum Kind { RESTORED, RESUMED, STEP, CHECKPOINT, FENCED, EXITED }

  private final List<Entry> entries = new CopyOnWriteArrayList<>();
  private final List<Consumer<Entry>> followers = new CopyOnWriteArrayList<>();

  @Override
  public AgentListener apply(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    String session = pod.getMetadata().getLabels().get(Tether.LABEL_SESSION);
    long epoch = Long.parseLong(pod.getMetadata().getLabels().getOrDefault(Tether.LABEL_EPOCH, "0"));
    return new AgentListener() {
      @Override
      public void restored(long sequence, int step, boolean fallback, String reason) {
        add(Kind.RESTORED, step, sequence, 0);
      }

      @Override
      public void resumed(int step) {
        add(Kind.RESUMED, step, 0, 0);
      }

      @Override
      public void stepDone(int step) {
        add(Kind.STEP, step, 0, 0);
      }

      @Override
      public void checkpointed(long sequence, int step) {
        add(Kind.CHECKPOINT, step, sequence, 0);
      }

      @Override
      public void fenced(long currentEpoch) {
        add(Kind.FENCED, 0, 0, 0);
      }

      @Override
      public void exited(int code) {
        add(Kind.EXITED, 0, 0, code);
      }

      private void add(Kind kind, int step, long sequence, int code) {
        Entry entry = new Entry(Instant.now(), namespace, session, epoch, kind, step, sequence, code);
        entries.add(entry);
        followers.forEach(f -> f.accept(entry));
      }
    };
  }

  /** Called with every new entry, on the agent's thread. */
  public void follow(Consumer<Entry> follower) {
    followers.add(follower);
  }

  public List<Entry> entries(String namespace, String session) {
    List<Entry> of = new ArrayList<>();
    for (Entry e : entries) {
      if (e.namespace().equals(namespace) && e.session().equals(session)) {
        of.add(e);
      }
    }
    return of;
  }

  /** Steps executed more than once across incarnations: work lost with a dead incarnation and done again. */
  public int repeatedSteps(String namespace, String session) {
    List<Entry> steps = entries(namespace, session).stream().filter(e -> e.kind() == Kind.STEP).toList();
    return steps.size() - (int) steps.stream().mapToInt(Entry::step).distinct().count();
  }

  public Optional<Integer> exitCode(String namespace, String session, long epoch) {
    return entries(namespace, session).stream()
        .filter(e -> e.kind() == Kind.EXITED && e.epoch() == epoch)
        .map(Entry::exitCode).filter(Objects::nonNull).findFirst();
  }
}
