package dev.tether.api;

/** Names shared by the operator, the supervisor and the test bed: API group, labels, annotations, env. */
public final class Tether {
  public static final String GROUP = "tether.dev";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "AgentSession";

  /** Value of {@code app.kubernetes.io/managed-by} on everything the operator creates. */
  public static final String MANAGER = "tether-operator";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String LABEL_SESSION = GROUP + "/session";
  public static final String LABEL_EPOCH = GROUP + "/epoch";

  /** Why and from where an incarnation was started; read by the supervisor when it restores. */
  public static final String ANNOTATION_RESTORE_REASON = GROUP + "/restore-reason";
  public static final String ANNOTATION_PREVIOUS_POD = GROUP + "/previous-pod";
  public static final String ANNOTATION_PREVIOUS_NODE = GROUP + "/previous-node";
  /** On the pod of an incarnation started by a rollback: the checkpoint it restores. */
  public static final String ANNOTATION_ROLLBACK_TO = GROUP + "/rollback-to";
  /** Where the pod's checkpoints also go: the non-secret object-store settings as JSON (see ObjectStoreTarget). */
  public static final String ANNOTATION_OBJECT_STORE = GROUP + "/object-store";

  /** Environment the operator injects into every container of a session pod. */
  public static final String ENV_SESSION_NAME = "TETHER_SESSION_NAME";
  public static final String ENV_SESSION_NAMESPACE = "TETHER_SESSION_NAMESPACE";
  public static final String ENV_EPOCH = "TETHER_EPOCH";
  public static final String ENV_CHECKPOINT_DIR = "TETHER_CHECKPOINT_DIR";
  public static final String ENV_POD_NAME = "TETHER_POD_NAME";
  public static final String ENV_NODE_NAME = "TETHER_NODE_NAME";
  /** Only in an incarnation started by a rollback: the checkpoint it restores instead of the newest. */
  public static final String ENV_RESTORE_SEQUENCE = "TETHER_RESTORE_SEQUENCE";

  /** Name of the pod volume that mounts the checkpoint PVC. */
  public static final String CHECKPOINT_VOLUME = "tether-checkpoints";

  /** Name of the session supervisor's container, injected into every session pod when a store is configured. */
  public static final String SUPERVISOR_CONTAINER = "tether-supervisor";

  private Tether() {}
}
