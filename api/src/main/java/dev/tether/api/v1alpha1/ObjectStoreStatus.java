package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The object-store tier of a session as its supervisor last reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectStoreStatus {
  @JsonPropertyDescription("Synchronous or Asynchronous (see spec.checkpoint.objectStore.mode).")
  private String mode;

  @JsonPropertyDescription("Bucket and session prefix, as s3://<bucket>/<prefix>.")
  private String location;

  @JsonPropertyDescription("Newest checkpoint sequence the object store holds.")
  private Long uploadedSequence;

  @JsonPropertyDescription("When that upload finished (RFC 3339).")
  private String uploadedAt;

  @JsonPropertyDescription("Committed checkpoints not in the object store yet (Asynchronous mode).")
  private Long pending;

  @JsonPropertyDescription("The last upload failure, while uploads fail; empty once one succeeds.")
  private String error;

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

  public Long getPending() {
    return pending;
  }

  public void setPending(Long pending) {
    this.pending = pending;
  }

  public String getError() {
    return error;
  }

  public void setError(String error) {
    this.error = error;
  }
}
