package dev.tether.testbed;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Waits for a process the test bed started to become ready. A starting process offers no event to wait
 * on, so this polls; tests wait with Awaitility instead.
 */
public final class Poll {
  private static final Duration INTERVAL = Duration.ofMillis(50);

  private Poll() {}

  /**
   * Polls {@code ready} until it returns true. {@code alive} is checked first on every round so that a
   * process that exited fails fast with {@code what} in the message.
   */
  public static void until(String what, Duration timeout, BooleanSupplier alive, BooleanSupplier ready) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      if (!alive.getAsBoolean()) {
        throw new IllegalStateException(what + ": process exited");
      }
      if (ready.getAsBoolean()) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(what + ": not ready after " + timeout);
      }
      try {
        Thread.sleep(INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(what + ": interrupted", e);
      }
    }
  }
}
