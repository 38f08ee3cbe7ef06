package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSessionSpec {

  @Required
  @JsonPropertyDescription("Pod template for the agent. The operator adds the checkpoint volume, the session's "
      + "identity (env TETHER_*) and, after a node failure, an anti-affinity to the failed node.")
  private PodTemplateSpec template;

  @JsonPropertyDescription("The checkpoint volume and how checkpoints are kept and restored.")
  private CheckpointSpec checkpoint = new CheckpointSpec();

  @JsonPropertyDescription("How node failures are detected and how the session is fenced and migrated.")
  private FailoverSpec failover = new FailoverSpec();

  @JsonPropertyDescription("Idle suspend and what happens after the agent finished.")
  private LifecycleSpec lifecycle = new LifecycleSpec();

  @JsonPropertyDescription("When true the pod is removed; the volume and checkpoints are kept. Setting it back "
      + "to false starts a new incarnation that restores the last checkpoint.")
  private boolean suspend;

  @JsonPropertyDescription("Roll back to an older checkpoint: the session moves to a new incarnation that restores "
      + "checkpoint toSequence and commits it again as the newest (the later ones stay in the history). Acted on "
      + "once per toSequence and requestId; the outcome is in status.rollback.")
  private RollbackRequest rollback;

  public PodTemplateSpec getTemplate() {
    return template;
  }

  public void setTemplate(PodTemplateSpec template) {
    this.template = template;
  }

  public CheckpointSpec getCheckpoint() {
    return checkpoint;
  }

  public void setCheckpoint(CheckpointSpec checkpoint) {
    this.checkpoint = checkpoint;
  }

  public FailoverSpec getFailover() {
    return failover;
  }

  public void setFailover(FailoverSpec failover) {
    this.failover = failover;
  }

  public LifecycleSpec getLifecycle() {
    return lifecycle;
  }

  public void setLifecycle(LifecycleSpec lifecycle) {
    this.lifecycle = lifecycle;
  }

  public boolean isSuspend() {
    return suspend;
  }

  public void setSuspend(boolean suspend) {
    this.suspend = suspend;
  }

  public RollbackRequest getRollback() {
    return rollback;
  }

  public void setRollback(RollbackRequest rollback) {
    this.rollback = rollback;
  }
}
