package dev.tether.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** Observed state of an AgentSession, written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSessionStatus {

  @JsonPropertyDescription("The spec generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Running, Migrating, Suspended, Succeeded or Failed.")
  private SessionPhase phase;

  @JsonPropertyDescription("Pod of the current incarnation.")
  private String podName;

  @JsonPropertyDescription("Node of the current incarnation.")
  private String nodeName;

  @JsonPropertyDescription("Fencing epoch of the current incarnation; raised before every new pod, never reused.")
  private long epoch;

  @JsonPropertyDescription("Newest committed checkpoint.")
  private CheckpointRef lastCheckpoint;

  @JsonPropertyDescription("The checkpoint the current incarnation restored.")
  private RestoreInfo restoredFrom;

  @JsonPropertyDescription("The checkpoint volume claim in use. It changes only when the old volume was out of reach "
      + "after a node failure and the object store held the checkpoints.")
  private String volumeClaim;

  @JsonPropertyDescription("Where the object-store tier stands, when the session has one.")
  private ObjectStoreStatus objectStore;

  @JsonPropertyDescription("The last rollback request the operator acted on (spec.rollback).")
  private RollbackStatus rollback;

  @JsonPropertyDescription("The migration in flight, if any.")
  private Migration migration;

  @JsonPropertyDescription("The most recent finished migrations, newest last (bounded).")
  private List<MigrationRecord> migrations;

  @JsonPropertyDescription("Migrations since the session was created.")
  private int migrationCount;

  @JsonPropertyDescription("Ready, Progressing and Degraded, following Kubernetes conventions.")
  private List<Condition> conditions;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public SessionPhase getPhase() {
    return phase;
  }

  public void setPhase(SessionPhase phase) {
    this.phase = phase;
  }

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public long getEpoch() {
    return epoch;
  }

  public void setEpoch(long epoch) {
    this.epoch = epoch;
  }

  public CheckpointRef getLastCheckpoint() {
    return lastCheckpoint;
  }

  public void setLastCheckpoint(CheckpointRef lastCheckpoint) {
    this.lastCheckpoint = lastCheckpoint;
  }

  public RestoreInfo getRestoredFrom() {
    return restoredFrom;
  }

  public void setRestoredFrom(RestoreInfo restoredFrom) {
    this.restoredFrom = restoredFrom;
  }

  public Migration getMigration() {
    return migration;
  }

  public void setMigration(Migration migration) {
    this.migration = migration;
  }

  public List<MigrationRecord> getMigrations() {
    return migrations;
  }

  public void setMigrations(List<MigrationRecord> migrations) {
    this.migrations = migrations;
  }

  public int getMigrationCount() {
    return migrationCount;
  }

  public void setMigrationCount(int migrationCount) {
    this.migrationCount = migrationCount;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }


  public RollbackStatus getRollback() {
    return rollback;
  }

  public void setRollback(RollbackStatus rollback) {
    this.rollback = rollback;
  }

  public String getVolumeClaim() {
    return volumeClaim;
  }

  public void setVolumeClaim(String volumeClaim) {
    this.volumeClaim = volumeClaim;
  }

  public ObjectStoreStatus getObjectStore() {
    return objectStore;
  }

  public void setObjectStore(ObjectStoreStatus objectStore) {
    this.objectStore = objectStore;
  }
}
