package dev.tether.operator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MigrationRateLimiterTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
  private final MigrationRateLimiter limiter = new MigrationRateLimiter(10, nanos::get);

  @Test
  void aBurstOfOneSecondThenOneTokenPerInterval() {
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.acquire()).isZero();
    }
    assertThat(limiter.acquire()).isEqualTo(Duration.ofMillis(100));
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(limiter.acquire()).isZero();
    assertThat(limiter.acquire()).isPositive();
  }

  @Test
  void aTickerGoingBackwardsTakesNoTokensAway() {
    for (int i = 0; i < 5; i++) {
      limiter.acquire();
    }
    nanos.addAndGet(-Duration.ofSeconds(30).toNanos());
    assertThat(limiter.acquire()).as("tokens left before the step are still there").isZero();
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(limiter.acquire()).isZero();
  }

  @Test
  void noLimitWhenTheRateIsZero() {
    MigrationRateLimiter unlimited = new MigrationRateLimiter(0, nanos::get);
    for (int i = 0; i < 1000; i++) {
      assertThat(unlimited.acquire()).isZero();
    }
  }
}
