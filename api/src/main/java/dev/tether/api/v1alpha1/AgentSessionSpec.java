package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSessionSpec {

  // Mirrors of SessionSpecValidator's checks, so that clusters since 1.25 refuse these at admission; the
  // operator's validator stays the source of truth for older apiservers, which drop the rules. Checks that walk
  // the containers list (e.g. no container named tether-supervisor) stay in the operator only: the list has no
  // maxItems, so the apiserver's cost estimate for a rule iterating it is large.
  @ValidationRule(value = "has(self.spec) && has(self.spec.containers) && size(self.spec.containers) > 0",
      message = "spec.template.spec.containers must list at least one container")
  @ValidationRule(value = "!has(self.spec) || !has(self.spec.restartPolicy) || self.spec.restartPolicy != 'Always'",
      message = "spec.template.spec.restartPolicy Always would restart an agent that finished; use OnFailure "
          + "(default) or Never")
  @ValidationRule(value = "!has(self.spec) || !has(self.spec.nodeName) || self.spec.nodeName.matches(r'^\\s*$')",
      message = "spec.template.spec.nodeName pins the session to one node and prevents migration; use "
          + "nodeSelector or affinity instead")
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
