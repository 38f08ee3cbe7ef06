package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A finished migration, kept in a bounded history. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationRecord {

  @JsonPropertyDescription("Why the session migrated.")
  private String reason;

  @JsonPropertyDescription("Node of the lost incarnation.")
  private String fromNode;

  @JsonPropertyDescription("Node of the new incarnation.")
  private String toNode;

  @JsonPropertyDescription("Epoch of the lost incarnation.")
  private long fromEpoch;

  @JsonPropertyDescription("Epoch of the new incarnation.")
  private long toEpoch;

  @JsonPropertyDescription("When the loss was detected (RFC 3339).")
  private String detectedAt;

  @JsonPropertyDescription("When the old incarnation was fenced (RFC 3339).")
  private String fencedAt;

  @JsonPropertyDescription("When the new incarnation was Ready (RFC 3339).")
  private String runningAt;

  @JsonPropertyDescription("Planned moves: the final checkpoint written for the move, or why the last committed one was used.")
  private String finalCheckpoint;

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getFromNode() {
    return fromNode;
  }

  public void setFromNode(String fromNode) {
    this.fromNode = fromNode;
  }

  public String getToNode() {
    return toNode;
  }

  public void setToNode(String toNode) {
    this.toNode = toNode;
  }

  public long getFromEpoch() {
    return fromEpoch;
  }

  public void setFromEpoch(long fromEpoch) {
    this.fromEpoch = fromEpoch;
  }

  public long getToEpoch() {
    return toEpoch;
  }

  public void setToEpoch(long toEpoch) {
    this.toEpoch = toEpoch;
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

  public String getRunningAt() {
    return runningAt;
  }

  public void setRunningAt(String runningAt) {
    this.runningAt = runningAt;
  }

  public String getFinalCheckpoint() {
    return finalCheckpoint;
  }

  public void setFinalCheckpoint(String finalCheckpoint) {
    this.finalCheckpoint = finalCheckpoint;
  }
}
