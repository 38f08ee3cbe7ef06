package dev.tether.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Kubernetes-convention conditions: lastTransitionTime changes only when the status flips. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";

  private Conditions() {}

  /** Returns a new list with the condition set; other conditions are kept as they are. */
  public static List<Condition> set(List<Condition> current, String type, boolean status, String reason,
      String message, Long generation, String now) {
    List<Condition> result = new ArrayList<>();
    String statusText = status ? "True" : "False";
    Condition previous = find(current, type).orElse(null);
    String transition = previous != null && statusText.equals(previous.getStatus())
        ? previous.getLastTransitionTime()
        : now;
    Condition updated = new ConditionBuilder()
        .withType(type)
        .withStatus(statusText)
        .withReason(reason)
        .withMessage(message == null || message.isEmpty() ? reason : message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build();
    boolean placed = false;
    if (current != null) {
      for (Condition c : current) {
        if (type.equals(c.getType())) {
          result.add(updated);
          placed = true;
        } else {
          result.add(c);
        }
      }
    }
    if (!placed) {
      result.add(updated);
    }
    return result;
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
