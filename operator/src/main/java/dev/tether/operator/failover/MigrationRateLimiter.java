package dev.tether.operator.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A cluster-wide token bucket for new incarnations, so that a failed node with hundreds of sessions does
 * not flood the apiserver. The burst equals one second's worth of tokens.
 */
public final class MigrationRateLimiter {
  private final double perSecond;
  private final Clock clock;
  private double tokens;
  private Instant last;

  public MigrationRateLimiter(double perSecond, Clock clock) {
    this.perSecond = perSecond;
    this.clock = clock;
    this.tokens = Math.max(1, perSecond);
    this.last = clock.instant();
  }

  /** Takes a token, or returns how long to wait for one. */
  public synchronized Duration acquire() {
    if (perSecond <= 0) {
      return Duration.ZERO;
    }
    Instant now = clock.instant();
    tokens = Math.min(Math.max(1, perSecond), tokens + Duration.between(last, now).toNanos() / 1e9 * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return Duration.ZERO;
    }
    return Duration.ofMillis((long) Math.ceil((1 - tokens) / perSecond * 1000));
  }
}
