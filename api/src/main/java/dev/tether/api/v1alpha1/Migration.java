package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The migration in flight, persisted so that a restarted operator resumes it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Migration {

  @JsonPropertyDescription("Current step of the migration state machine.")
  private MigrationStep step;

  @JsonPropertyDescription("Why the session is migrating: NodeFailed, NodeDeleted, NodeOutOfService, PodDeleted, Evicted, PodFailed, SpecChanged, Drain, Rollback or Superseded (the checkpoint store holds a higher epoch than the lost incarnation).")
  private String reason;

  @JsonPropertyDescription("The pod of the lost incarnation.")
  private String fromPod;

  @JsonPropertyDescription("The node the lost incarnation ran on.")
  private String fromNode;

  @JsonPropertyDescription("Epoch of the lost incarnation.")
  private long fromEpoch;

  @JsonPropertyDescription("When the loss was detected (RFC 3339).")
  private String detectedAt;

  @JsonPropertyDescription("Rollback: the checkpoint the new incarnation restores instead of the newest.")
  private Long rollbackTo;

  @JsonPropertyDescription("When the old incarnation was fenced (RFC 3339).")
  private String fencedAt;

  @JsonPropertyDescription("When the volume was free for the new pod (RFC 3339).")
  private String volumeReleasedAt;

  @JsonPropertyDescription("When the new pod was created (RFC 3339).")
  private String rescheduledAt;

  @JsonPropertyDescription("Backoff: the new pod is not created before this time (RFC 3339).")
  private String notBefore;

  @JsonPropertyDescription("Planned moves: the final checkpoint asked of the old incarnation.")
  private String checkpointRequestId;

  @JsonPropertyDescription("When the final checkpoint was asked for (RFC 3339).")
  private String checkpointRequestedAt;

  @JsonPropertyDescription("Planned moves: the final checkpoint written for the move, or why the last committed one is used.")
  private String finalCheckpoint;

  public MigrationStep getStep() {
    return step;
  }

  public void setStep(MigrationStep step) {
    this.step = step;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getFromPod() {
    return fromPod;
  }

  public void setFromPod(String fromPod) {
    this.fromPod = fromPod;
  }

  public String getFromNode() {
    return fromNode;
  }

  public void setFromNode(String fromNode) {
    this.fromNode = fromNode;
  }

  public long getFromEpoch() {
    return fromEpoch;
  }

  public void setFromEpoch(long fromEpoch) {
    this.fromEpoch = fromEpoch;
  }

  public String getDetectedAt() {
    return detectedAt;
  }

  public void setDetectedAt(String detectedAt) {
    this.detectedAt = detectedAt;
  }

  public String getFencedAt() {
    return fencedAt;
  }

  public void setFencedAt(String fencedAt) {
    this.fencedAt = fencedAt;
  }

  public String getVolumeReleasedAt() {
    return volumeReleasedAt;
  }

  public void setVolumeReleasedAt(String volumeReleasedAt) {
    this.volumeReleasedAt = volumeReleasedAt;
  }

  public String getRescheduledAt() {
    return rescheduledAt;
  }

  public void setRescheduledAt(String rescheduledAt) {
    this.rescheduledAt = rescheduledAt;
  }

  public String getNotBefore() {
    return notBefore;
  }

  public void setNotBefore(String notBefore) {
    this.notBefore = notBefore;
  }

  public String getCheckpointRequestId() {
    return checkpointRequestId;
  }

  public void setCheckpointRequestId(String checkpointRequestId) {
    this.checkpointRequestId = checkpointRequestId;
  }

  public String getCheckpointRequestedAt() {
    return checkpointRequestedAt;
  }

  public void setCheckpointRequestedAt(String checkpointRequestedAt) {
    this.checkpointRequestedAt = checkpointRequestedAt;
  }

  public String getFinalCheckpoint() {
    return finalCheckpoint;
  }

  public void setFinalCheckpoint(String finalCheckpoint) {
    this.finalCheckpoint = finalCheckpoint;
  }

  public Long getRollbackTo() {
    return rollbackTo;
  }

  public void setRollbackTo(Long rollbackTo) {
    this.rollbackTo = rollbackTo;
  }
}
