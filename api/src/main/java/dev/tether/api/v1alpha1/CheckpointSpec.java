package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.Quantity;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointSpec {
  public static final String DEFAULT_MOUNT_PATH = "/var/lib/tether/checkpoints";

  @Default("1Gi")
  @JsonPropertyDescription("Requested size of the checkpoint volume (a Kubernetes quantity, e.g. 1Gi).")
  private Quantity size = new Quantity("1Gi");

  @JsonPropertyDescription("StorageClass of the checkpoint volume; the cluster default when empty.")
  private String storageClassName;

  @Default("ReadWriteOnce")
  @JsonPropertyDescription("Access mode of the checkpoint volume. ReadWriteOnce volumes are waited on to detach "
      + "from a failed node before the new pod starts; ReadWriteMany volumes are not.")
  private AccessMode accessMode = AccessMode.ReadWriteOnce;

  @Default(DEFAULT_MOUNT_PATH)
  @Pattern("^/.*")
  @JsonPropertyDescription("Absolute path where the checkpoint volume is mounted into every container.")
  private String mountPath = DEFAULT_MOUNT_PATH;

  @Default("5")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("How many of the newest checkpoints are kept; older manifests and blobs are deleted.")
  private int retain = 5;

  @Default("Retain")
  @JsonPropertyDescription("What happens to the checkpoint volume when the session is deleted.")
  private ReclaimPolicy reclaimPolicy = ReclaimPolicy.Retain;

  @Default("LatestVerified")
  @JsonPropertyDescription("LatestVerified restores the newest checkpoint whose digest verifies and reports any "
      + "fallback; RequireLatest refuses to start when the newest checkpoint does not verify.")
  private RestorePolicy restorePolicy = RestorePolicy.LatestVerified;

  @JsonPropertyDescription("Also keep every checkpoint in an object store (S3 API), so that a new incarnation can "
      + "restore on another node without the old volume. Empty means the operator-wide default, if its admin set one.")
  private ObjectStoreSpec objectStore;

  public Quantity getSize() {
    return size;
  }

  public void setSize(Quantity size) {
    this.size = size;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  public AccessMode getAccessMode() {
    return accessMode;
  }

  public void setAccessMode(AccessMode accessMode) {
    this.accessMode = accessMode;
  }

  public String getMountPath() {
    return mountPath;
  }

  public void setMountPath(String mountPath) {
    this.mountPath = mountPath;
  }

  public int getRetain() {
    return retain;
  }

  public void setRetain(int retain) {
    this.retain = retain;
  }

  public ReclaimPolicy getReclaimPolicy() {
    return reclaimPolicy;
  }

  public void setReclaimPolicy(ReclaimPolicy reclaimPolicy) {
    this.reclaimPolicy = reclaimPolicy;
  }

  public RestorePolicy getRestorePolicy() {
    return restorePolicy;
  }

  public void setRestorePolicy(RestorePolicy restorePolicy) {
    this.restorePolicy = restorePolicy;
  }

  public ObjectStoreSpec getObjectStore() {
    return objectStore;
  }

  public void setObjectStore(ObjectStoreSpec objectStore) {
    this.objectStore = objectStore;
  }

  public enum AccessMode {
    ReadWriteOnce,
    ReadWriteMany
  }

  public enum ReclaimPolicy {
    Retain,
    Delete
  }

  public enum RestorePolicy {
    LatestVerified,
    RequireLatest
  }
}
