package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Which checkpoint the current incarnation restored, and why that one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreInfo {

  @JsonPropertyDescription("Sequence of the restored checkpoint; empty when the session started without state.")
  private Long sequence;

  @JsonPropertyDescription("Verified digest of the restored blob.")
  private String digest;

  @JsonPropertyDescription("Epoch of the incarnation that restored it.")
  private long epoch;

  @JsonPropertyDescription("True when newer checkpoints failed verification and an older one was restored.")
  private boolean fallback;

  @JsonPropertyDescription("Why this checkpoint was chosen, e.g. Latest or DigestMismatch on sequence N.")
  private String reason;

  @JsonPropertyDescription("When the restore happened (RFC 3339).")
  private String time;

  @JsonPropertyDescription("Where the restored blob came from: Volume, or ObjectStore when the volume did not hold it "
      + "(a fresh volume on a new node).")
  private String source;

  public Long getSequence() {
    return sequence;
  }

  public void setSequence(Long sequence) {
    this.sequence = sequence;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public long getEpoch() {
    return epoch;
  }

  public void setEpoch(long epoch) {
    this.epoch = epoch;
  }

  public boolean isFallback() {
    return fallback;
  }

  public void setFallback(boolean fallback) {
    this.fallback = fallback;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }


  public String getSource() {
    return source;
  }

  public void setSource(String source) {
    this.source = source;
  }
}
