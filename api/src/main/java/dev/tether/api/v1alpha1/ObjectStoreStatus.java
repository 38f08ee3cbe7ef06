package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The object-store tier of a session as its supervisor last reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectStoreStatus {
  @JsonPropertyDescription("How checkpoints reach the object store: Synchronous (acknowledged once stored there).")
  private String mode;

  @JsonPropertyDescription("Bucket and session prefix, as s3://<bucket>/<prefix>.")
  private String location;

  @JsonPropertyDescription("Newest checkpoint sequence the object store holds.")
  private Long uploadedSequence;

  @JsonPropertyDescription("When that upload finished (RFC 3339).")
  private String uploadedAt;

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
