package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** A committed checkpoint as recorded in the context store. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointRef {

  @JsonPropertyDescription("Sequence number, increasing per session.")
  private long sequence;

  @JsonPropertyDescription("Epoch of the incarnation that committed it.")
  private long epoch;

  @JsonPropertyDescription("sha256 digest of the blob, as sha256:<hex>.")
  private String digest;

  @JsonPropertyDescription("Blob size in bytes.")
  private long size;

  @JsonPropertyDescription("When it was committed (RFC 3339).")
  private String time;

  @JsonPropertyDescription("Small agent-provided metadata such as a step number or a label.")
  private Map<String, String> metadata;

  @JsonPropertyDescription("Object key of the blob in the object store, when the session has one.")
  private String object;

  public long getSequence() {
    return sequence;
  }

  public void setSequence(long sequence) {
    this.sequence = sequence;
  }

  public long getEpoch() {
    return epoch;
  }

  public void setEpoch(long epoch) {
    this.epoch = epoch;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public long getSize() {
    return size;
  }

  public void setSize(long size) {
    this.size = size;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public Map<String, String> getMetadata() {
    return metadata;
  }

  public void setMetadata(Map<String, String> metadata) {
    this.metadata = metadata;
  }


  public String getObject() {
    return object;
  }

  public void setObject(String object) {
    this.object = object;
  }
}
