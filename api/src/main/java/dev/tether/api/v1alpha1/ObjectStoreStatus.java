package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The object-store tier of a session as its supervisor last reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectStoreStatus {
  @JsonPropertyDescription("How checkpoints reach the object store: Synchronous (acknowledged once stored there) or "
      + "Asynchronous (acknowledged first, uploaded with a bounded lag).")
  private String mode;

  @JsonPropertyDescription("Bucket and session prefix, as s3://<bucket>/<prefix>.")
  private String location;

  @JsonPropertyDescription("Newest checkpoint sequence the object store holds.")
  private Long uploadedSequence;

  @JsonPropertyDescription("When that upload finished (RFC 3339).")
  private String uploadedAt;

  @JsonPropertyDescription("Committed checkpoints not in the object store yet (Asynchronous mode); a lost volume "
      + "loses them.")
  private Integer pendingCheckpoints;

  @JsonPropertyDescription("Commit time of the oldest of them (RFC 3339).")
  private String pendingSince;

  @JsonPropertyDescription("Why the last call to the object store failed, while it fails.")
  private String error;

  @JsonPropertyDescription("Since when it fails (RFC 3339).")
  private String errorSince;

  public Integer getPendingCheckpoints() {
    return pendingCheckpoints;
  }

  public void setPendingCheckpoints(Integer pendingCheckpoints) {
    this.pendingCheckpoints = pendingCheckpoints;
  }

  public String getPendingSince() {
    return pendingSince;
  }

  public void setPendingSince(String pendingSince) {
    this.pendingSince = pendingSince;
  }

  public String getError() {
    return error;
  }

  public void setError(String error) {
    this.error = error;
  }

  public String getErrorSince() {
    return errorSince;
  }

  public void setErrorSince(String errorSince) {
    this.errorSince = errorSince;
  }

  public String getMode() {
    return mode;
  }

  public void setMode(String mode) {
    this.mode = mode;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public Long getUploadedSequence() {
    return uploadedSequence;
  }

  public void setUploadedSequence(Long uploadedSequence) {
    this.uploadedSequence = uploadedSequence;
  }

  public String getUploadedAt() {
    return uploadedAt;
  }

  public void setUploadedAt(String uploadedAt) {
    this.uploadedAt = uploadedAt;
  }

}
