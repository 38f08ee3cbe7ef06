package dev.tether.bench;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds; a benchmark step that does not finish in time is a failed run. */
final class Await {
  private static final Duration INTERVAL = Duration.ofMillis(100);

  private Await() {}

  static void until(String what, Duration timeout, BooleanSupplier condition) {
    if (!within(timeout, condition)) {
      throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }
  }

  /** True if the condition held within the timeout. */
  static boolean within(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return true;
  }
}
