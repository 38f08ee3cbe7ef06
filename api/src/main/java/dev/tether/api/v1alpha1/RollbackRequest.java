package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * Roll the session back to an older checkpoint. A request, not a state: the operator acts on each
 * (sequence, requestId) once and records the outcome in status.rollback, so a request that stays in the spec
 * does not roll back again after a failover.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollbackRequest {

  @Required
  @Min(1)
  @JsonPropertyDescription("Sequence of the checkpoint to go back to (kubectl tether checkpoints lists them).")
  private long toSequence;

  @Pattern("^[A-Za-z0-9][-A-Za-z0-9_.:]{0,62}$")
  @JsonPropertyDescription("Any new value asks again for the same sequence (kubectl tether restore sets the time).")
  private String requestId;

  public RollbackRequest() {
  }

  public RollbackRequest(long toSequence, String requestId) {
    this.toSequence = toSequence;
    this.requestId = requestId;
  }

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

  /** Whether status already answers this request. */
  public boolean answeredBy(RollbackStatus status) {
    return status != null && status.getToSequence() == toSequence && Objects.equals(status.getRequestId(), requestId);
  }
}
