package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** What happens to a session that sits idle, and to one whose agent has finished. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LifecycleSpec {
  /** What a finished session becomes once ttlAfterFinished has passed. */
  public enum AfterFinished {
    /** The session is deleted; its volume and checkpoints go as spec.checkpoint.reclaimPolicy says. */
    Delete,
    /** The session is suspended: its pod (kept for its logs) goes, the volume and checkpoints stay. */
    Suspend
  }

  @Pattern(FailoverSpec.DURATION_PATTERN)
  @JsonPropertyDescription("Suspend the session (spec.suspend is set to true; volume and checkpoints are kept) when "
      + "its running incarnation has written no checkpoint for this long. Empty: never.")
  private String idleTimeout;

  @Pattern(FailoverSpec.DURATION_PATTERN)
  @JsonPropertyDescription("How long a session stays Succeeded before afterFinished applies. Empty: for ever.")
  private String ttlAfterFinished;

  @Default("Delete")
  @JsonPropertyDescription("What a Succeeded session becomes after ttlAfterFinished: Delete (the volume follows "
      + "spec.checkpoint.reclaimPolicy) or Suspend (the pod goes, volume and checkpoints stay).")
  private AfterFinished afterFinished = AfterFinished.Delete;

  public String getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(String idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  public String getTtlAfterFinished() {
    return ttlAfterFinished;
  }

  public void setTtlAfterFinished(String ttlAfterFinished) {
    this.ttlAfterFinished = ttlAfterFinished;
  }

  public AfterFinished getAfterFinished() {
    return afterFinished;
  }

  public void setAfterFinished(AfterFinished afterFinished) {
    this.afterFinished = afterFinished;
  }
}
