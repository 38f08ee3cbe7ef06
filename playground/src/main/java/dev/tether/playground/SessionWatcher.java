package dev.tether.playground;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionStatus;
import dev.tether.api.v1alpha1.Migration;
import dev.tether.api.v1alpha1.SessionPhase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Turns what Kubernetes shows about the sessions into timeline lines: AgentSession status changes (phase, node,
 * epoch, checkpoints, migration steps) and the operator's Events.
 */
final class SessionWatcher implements AutoCloseable {
  /** Events shown as they are; the rest is visible in status changes. */
  private static final Set<String> SHOWN_EVENTS = Set.of("NodeFailed", "NodeDeleted", "NodeOutOfService",
      "NodeNotReady", "Evicted", "PodDeleted", "PodLost", "PodFailed", "Restored", "RestoredFromOlderCheckpoint",
      "Migrated", "MassFailureGuard", "MigrationLimitReached", "VolumeForceDetached");

  private final Timeline timeline;
  private final Map<String, AgentSessionStatus> last = new ConcurrentHashMap<>();
  private final BiConsumer<String, AgentSessionStatus> onChange;
  private final Watch sessions;
  private final Watch events;

  SessionWatcher(KubernetesClient client, String namespace, Timeline timeline,
      BiConsumer<String, AgentSessionStatus> onChange) {
    this.timeline = timeline;
    this.onChange = onChange;
    this.sessions = client.resources(AgentSession.class).inNamespace(namespace).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, AgentSession session) {
        if (session.getStatus() != null) {
          changed(session.getMetadata().getName(), session.getStatus());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    this.events = client.v1().events().inNamespace(namespace).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Event event) {
        if (action == Action.ADDED && "AgentSession".equals(event.getInvolvedObject().getKind())
            && SHOWN_EVENTS.contains(event.getReason())) {
          timeline.line(event.getInvolvedObject().getName(), event.getReason() + ": " + event.getMessage());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  private synchronized void changed(String name, AgentSessionStatus now) {
    AgentSessionStatus before = last.put(name, now);
    AgentSessionStatus was = before == null ? new AgentSessionStatus() : before;
    boolean running = now.getPhase() == SessionPhase.Running;
    if (running && (was.getPhase() != SessionPhase.Running || was.getEpoch() != now.getEpoch()
        || !Objects.equals(was.getNodeName(), now.getNodeName()))) {
      timeline.line(name, "Running on " + now.getNodeName() + ", epoch " + now.getEpoch());
    }
    if (now.getLastCheckpoint() != null && (was.getLastCheckpoint() == null
        || was.getLastCheckpoint().getSequence() != now.getLastCheckpoint().getSequence())) {
      Map<String, String> meta = now.getLastCheckpoint().getMetadata();
      timeline.line(name, "checkpoint " + now.getLastCheckpoint().getSequence()
          + (meta != null && meta.containsKey("step") ? " at step " + meta.get("step") : "")
          + " (epoch " + now.getLastCheckpoint().getEpoch() + ")");
    }
    Migration m = now.getMigration();
    Migration p = was.getMigration();
    if (m != null) {
      if (p == null) {
        timeline.line(name, "lost: " + m.getReason() + " (pod " + m.getFromPod() + " on " + m.getFromNode() + ")");
      }
      if (m.getFencedAt() != null && (p == null || p.getFencedAt() == null)) {
        timeline.line(name, "fenced pod " + m.getFromPod() + " (epoch " + m.getFromEpoch() + ")");
      }
      if (m.getRescheduledAt() != null && (p == null || p.getRescheduledAt() == null)) {
        timeline.line(name, "rescheduled as " + now.getPodName() + ", epoch " + now.getEpoch());
      }
    }
    if (now.getPhase() != was.getPhase() && now.getPhase() != SessionPhase.Running && now.getPhase() != null) {
      timeline.line(name, String.valueOf(now.getPhase()));
    }
    onChange.accept(name, now);
  }

  @Override
  public void close() {
    sessions.close();
    events.close();
  }
}
