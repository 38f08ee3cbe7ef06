package dev.tether.operator.pod;

/**
 * Why a new incarnation is started, recorded on its pod for the supervisor and for humans.
 *
 * @param rollbackTo the checkpoint a rollback restores instead of the newest, or null
 */
public record IncarnationCause(String reason, String previousPod, String previousNode, Long rollbackTo) {
  public static final String FIRST_START = "FirstStart";
  public static final String RESUMED = "Resumed";
  /** The previous incarnation's pod was gone before it reached a node. */
  public static final String STARTED_AGAIN = "StartedAgain";

  public static IncarnationCause firstStart() {
    return new IncarnationCause(FIRST_START, null, null, null);
  }

  public IncarnationCause(String reason, String previousPod, String previousNode) {
    this(reason, previousPod, previousNode, null);
  }
}
