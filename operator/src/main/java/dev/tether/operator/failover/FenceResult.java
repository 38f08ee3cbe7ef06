package dev.tether.operator.failover;

/** Whether the old incarnation can no longer run, or what fencing is waiting for. */
public record FenceResult(boolean fenced, String waitingFor) {
  public static FenceResult done() {
    return new FenceResult(true, null);
  }

  public static FenceResult waiting(String why) {
    return new FenceResult(false, why);
  }
}
