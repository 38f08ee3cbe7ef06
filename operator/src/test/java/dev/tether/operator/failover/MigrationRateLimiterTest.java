package dev.tether.operator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MigrationRateLimiterTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
  private final MigrationRateLimiter limiter = new MigrationRateLimiter(10, nanos::get);

  @Test
  void aBurstOfOneSecondThenOneSlotPerInterval() {
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.acquire("s" + i)).isZero();
    }
    assertThat(limiter.acquire("late")).isEqualTo(Duration.ofMillis(100));
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(limiter.acquire("late")).isZero();
    assertThat(limiter.acquire("later")).isPositive();
  }

  @Test
  void firstComeFirstServedAmongTheWaiting() {
    for (int i = 0; i < 10; i++) {
      limiter.acquire("s" + i);
    }
    assertThat(limiter.acquire("first")).isEqualTo(Duration.ofMillis(100));
    assertThat(limiter.acquire("second")).isEqualTo(Duration.ofMillis(200));
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(limiter.acquire("second")).as("asks first, but its slot comes later").isEqualTo(Duration.ofMillis(100));
    assertThat(limiter.acquire("newcomer")).as("behind both").isEqualTo(Duration.ofMillis(200));
    assertThat(limiter.acquire("first")).isZero();
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(limiter.acquire("second")).isZero();
  }

  @Test
  void aSlotNobodyClaimsIsGivenUp() {
    for (int i = 0; i < 11; i++) {
      limiter.acquire("s" + i);
    }
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    assertThat(limiter.acquire("fresh")).isZero();
    assertThat(limiter.acquire("s10")).as("its old slot was dropped: it starts over, and the burst is back")
        .isZero();
  }

  @Test
  void aTickerGoingBackwardsTakesNoSlotsAway() {
    for (int i = 0; i < 5; i++) {
      limiter.acquire("s" + i);
    }
    nanos.addAndGet(-Duration.ofSeconds(30).toNanos());
    assertThat(limiter.acquire("x")).as("slots left before the step are still there").isZero();
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(limiter.acquire("y")).isZero();
  }

  @Test
  void noLimitWhenTheRateIsZero() {
    MigrationRateLimiter unlimited = new MigrationRateLimiter(0, nanos::get);
    for (int i = 0; i < 1000; i++) {
      assertThat(unlimited.acquire("s" + i)).isZero();
    }
  }
}
