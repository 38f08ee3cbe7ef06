package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The last rollback the operator acted on, and how it went. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollbackStatus {
  public enum Result { Started, Rejected }

  @JsonPropertyDescription("The checkpoint asked for (spec.rollback.toSequence).")
  private long toSequence;

  @JsonPropertyDescription("spec.rollback.requestId of the request acted on.")
  private String requestId;

  @JsonPropertyDescription("Started: a new incarnation restores the checkpoint (see restoredFrom); Rejected: see message.")
  private Result result;

  @JsonPropertyDescription("Epoch of the incarnation that was replaced.")
  private Long fromEpoch;

  @JsonPropertyDescription("What the operator did, or why it refused.")
  private String message;

  @JsonPropertyDescription("When the operator acted on the request (RFC 3339).")
  private String time;

  public long getToSequence() {
    return toSequence;
  }

  public void setToSequence(long toSequence) {
    this.toSequence = toSequence;
  }

  public String getRequestId() {
    return requestId;
  }

  public void setRequestId(String requestId) {
    this.requestId = requestId;
  }

  public Result getResult() {
    return result;
  }

  public void setResult(Result result) {
    this.result = result;
  }

  public Long getFromEpoch() {
    return fromEpoch;
  }

  public void setFromEpoch(Long fromEpoch) {
    this.fromEpoch = fromEpoch;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }
}
