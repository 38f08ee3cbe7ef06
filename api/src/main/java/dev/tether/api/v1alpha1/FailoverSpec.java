package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailoverSpec {
  /**
   * A Go-style duration such as 20s, 1m30s or 500ms; at most four parts of nine digits each, so that no value
   * overflows a clock (the operator also bounds each one, see its settings).
   */
  public static final String DURATION_PATTERN = "^([0-9]{1,9}(ms|s|m|h)){1,4}$";

  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("How long a node hosting the session may miss heartbeats (Lease renewals) or report "
      + "NotReady before it is considered failed. Empty means the operator-wide default (20s). The operator refuses "
      + "values outside the range its admin allows (by default 15s, or the operator-wide default if lower, to 10m).")
  private String detectionTimeout;

  @Default("ForceDelete")
  @JsonPropertyDescription("How the old incarnation is fenced before a new one starts: ForceDelete deletes the old "
      + "pod with grace period 0; OutOfServiceTaint also taints the failed node "
      + "node.kubernetes.io/out-of-service so volumes are force-detached; Manual waits for an admin to remove the pod "
      + "or the node.")
  private FencingPolicy fencing = FencingPolicy.ForceDelete;

  @Default("5")
  @Min(0)
  @Max(100)
  @JsonPropertyDescription("Most migrations allowed within migrationWindow; one more marks the session Failed.")
  private int maxMigrations = 5;

  @Default("1h")
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("Sliding window in which maxMigrations is counted.")
  private String migrationWindow = "1h";

  @Default("5s")
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("Delay before a second migration of the session; doubles with every further migration "
      + "in the window, up to maxBackoff.")
  private String initialBackoff = "5s";

  @Default("5m")
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("Upper bound of the delay between migrations.")
  private String maxBackoff = "5m";

  @Default("2m")
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("How long to wait for a ReadWriteOnce volume to detach from the failed node before the "
      + "session reports VolumeStuck.")
  private String volumeDetachTimeout = "2m";

  @Default("30s")
  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("When the node is cordoned (e.g. kubectl drain), how long the agent has to write a final "
      + "checkpoint before the session moves anyway and restores the last committed one.")
  private String drainCheckpointTimeout = "30s";

  public String getDrainCheckpointTimeout() {
    return drainCheckpointTimeout;
  }

  public void setDrainCheckpointTimeout(String drainCheckpointTimeout) {
    this.drainCheckpointTimeout = drainCheckpointTimeout;
  }

  public String getDetectionTimeout() {
    return detectionTimeout;
  }

  public void setDetectionTimeout(String detectionTimeout) {
    this.detectionTimeout = detectionTimeout;
  }

  public FencingPolicy getFencing() {
    return fencing;
  }

  public void setFencing(FencingPolicy fencing) {
    this.fencing = fencing;
  }

  public int getMaxMigrations() {
    return maxMigrations;
  }

  public void setMaxMigrations(int maxMigrations) {
    this.maxMigrations = maxMigrations;
  }

  public String getMigrationWindow() {
    return migrationWindow;
  }

  public void setMigrationWindow(String migrationWindow) {
    this.migrationWindow = migrationWindow;
  }

  public String getInitialBackoff() {
    return initialBackoff;
  }

  public void setInitialBackoff(String initialBackoff) {
    this.initialBackoff = initialBackoff;
  }

  public String getMaxBackoff() {
    return maxBackoff;
  }

  public void setMaxBackoff(String maxBackoff) {
    this.maxBackoff = maxBackoff;
  }

  public String getVolumeDetachTimeout() {
    return volumeDetachTimeout;
  }

  public void setVolumeDetachTimeout(String volumeDetachTimeout) {
    this.volumeDetachTimeout = volumeDetachTimeout;
  }

  public enum FencingPolicy {
    ForceDelete,
    OutOfServiceTaint,
    Manual
  }
}
