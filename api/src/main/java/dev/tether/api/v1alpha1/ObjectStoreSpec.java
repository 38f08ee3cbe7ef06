package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * A second home for checkpoint blobs, off the node: an object store with the S3 API. The manifest in etcd names
 * the object of every checkpoint, so a new incarnation on another node restores from it into a fresh volume when
 * the old volume is out of reach. Uploads are synchronous by default: a checkpoint is acknowledged only once the
 * object store holds it, so every acknowledged checkpoint survives the node. Asynchronous uploads acknowledge
 * first and keep the lag bounded by {@code maxLag}; what the node takes with it is then recorded as a fallback.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectStoreSpec {
  public static final String BUCKET_PATTERN = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";
  public static final String PREFIX_PATTERN = "^([A-Za-z0-9][-A-Za-z0-9_.]{0,62}/?){0,8}$";

  @Required
  @Pattern("^https?://[^\\s/?#]+(/[^\\s?#]*)?$")
  @JsonPropertyDescription("URL of the S3 API, e.g. https://s3.eu-central-1.amazonaws.com or http://s3proxy.tether:8080.")
  private String endpoint;

  @Default("us-east-1")
  @Pattern("^[a-z0-9-]{1,32}$")
  @JsonPropertyDescription("Region the requests are signed for.")
  private String region = "us-east-1";

  @Required
  @Pattern(BUCKET_PATTERN)
  @JsonPropertyDescription("Bucket that holds the checkpoints. It must exist.")
  private String bucket;

  @Pattern(PREFIX_PATTERN)
  @JsonPropertyDescription("Key prefix inside the bucket. The operator always adds <namespace>/<name>/<uid>/ to it, so "
      + "every namespace and every session has keys of its own.")
  private String prefix;

  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription("Secret in the session's namespace with the keys accessKeyId and secretAccessKey. Only the "
      + "supervisor container gets them, never the agent.")
  private String credentialsSecret;

  /** When a checkpoint is acknowledged. */
  public enum Mode { Synchronous, Asynchronous }

  @Default("Synchronous")
  @JsonPropertyDescription("Synchronous: a checkpoint is acknowledged once the object store holds it (every "
      + "acknowledged checkpoint survives the node; each commit waits for the upload). Asynchronous: acknowledged "
      + "once on the volume and in etcd, uploaded in the background; a lost node loses what was not uploaded yet, "
      + "at most maxLag, and the restore records that fallback.")
  private Mode mode = Mode.Synchronous;

  @Default("30s")
  @Pattern(FailoverSpec.DURATION_PATTERN)
  @JsonPropertyDescription("Asynchronous mode: the longest a committed checkpoint may wait for its upload. Past it, "
      + "and while a commit would prune the newest uploaded checkpoint by retain, the agent gets 503 "
      + "object-store-lagging.")
  private String maxLag = "30s";

  @Default("true")
  @JsonPropertyDescription("Path-style requests (endpoint/bucket/key), as most self-hosted stores need.")
  private boolean pathStyle = true;


  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getBucket() {
    return bucket;
  }

  public void setBucket(String bucket) {
    this.bucket = bucket;
  }

  public String getPrefix() {
    return prefix;
  }

  public void setPrefix(String prefix) {
    this.prefix = prefix;
  }

  public String getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(String credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public String getMaxLag() {
    return maxLag;
  }

  public void setMaxLag(String maxLag) {
    this.maxLag = maxLag;
  }

  public boolean isPathStyle() {
    return pathStyle;
  }

  public void setPathStyle(boolean pathStyle) {
    this.pathStyle = pathStyle;
  }
}
