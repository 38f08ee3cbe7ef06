package dev.tether.operator.failover;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A cluster-wide token bucket for new incarnations, so that a failed node with hundreds of sessions does
 * not flood the apiserver. The burst equals one second's worth of tokens. Time is monotonic (a wall clock
 * stepped back would otherwise hold every migration for as long as the step).
 */
public final class MigrationRateLimiter {
  private final double perSecond;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  public MigrationRateLimiter(double perSecond) {
    this(perSecond, System::nanoTime);
  }

  /** With a ticker of its own (nanoseconds, only differences count), for tests. */
  public MigrationRateLimiter(double perSecond, LongSupplier nanoTime) {
    this.perSecond = perSecond;
    this.nanoTime = nanoTime;
    this.tokens = Math.max(1, perSecond);
    this.last = nanoTime.getAsLong();
  }

  /** Takes a token, or returns how long to wait for one. */
  public synchronized Duration acquire() {
    if (perSecond <= 0) {
      return Duration.ZERO;
    }
    long now = nanoTime.getAsLong();
    long elapsed = Math.max(0, now - last);
    tokens = Math.min(Math.max(1, perSecond), tokens + elapsed / 1e9 * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return Duration.ZERO;
    }
    return Duration.ofMillis((long) Math.ceil((1 - tokens) / perSecond * 1000));
  }
}
