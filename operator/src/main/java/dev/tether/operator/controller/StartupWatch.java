package dev.tether.operator.controller;

import dev.tether.operator.events.EventRecorder;
import dev.tether.operator.pod.PodView;
import dev.tether.operator.status.Conditions;
import dev.tether.operator.support.Times;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Watches an incarnation that is not Ready yet. What the kubelet reports as the reason (an image that cannot be
 * pulled, a missing Secret, a crash loop) goes into the waiting message at once; a pod that is still not Ready
 * after the startup timeout marks the session Degraded with a Warning Event, instead of waiting in silence.
 */
final class StartupWatch {
  static final String STALLED = "StartupStalled";

  private final Duration timeout;
  private final EventRecorder events;

  StartupWatch(Duration timeout, EventRecorder events) {
    this.timeout = timeout;
    this.events = events;
  }

  /** The message to show while waiting for {@code pod}: {@code waiting}, with what the kubelet reports. */
  String check(Reconciliation r, Pod pod, String waiting) {
    Instant created = Times.parse(pod.getMetadata().getCreationTimestamp());
    Duration age = created == null ? Duration.ZERO : Duration.between(created, r.now());
    Optional<String> detail = PodView.notReadyDetail(pod);
    if (age.compareTo(timeout) < 0) {
      r.wakeIn(timeout.minus(age));
      // "running, not ready" is every pod's first seconds: only named reasons are news.
      return detail.filter(d -> !d.endsWith("running, not ready")).map(d -> waiting + ": " + d).orElse(waiting);
    }
    String message = "pod " + pod.getMetadata().getName() + " is not Ready " + age.toSeconds() + "s after it was"
        + " created (startup timeout " + timeout.toSeconds() + "s)" + detail.map(d -> ": " + d).orElse("");
    boolean reported = Conditions.find(r.status().getConditions(), Conditions.DEGRADED)
        .filter(c -> STALLED.equals(c.getReason())).isPresent();
    if (!reported) {
      events.warning(r.session(), STALLED, message);
    }
    r.degraded(STALLED, message);
    return waiting + ": " + detail.orElse("not Ready after " + age.toSeconds() + "s");
  }
}
