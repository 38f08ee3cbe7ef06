package dev.tether.operator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdaptiveRateTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
  private final AdaptiveRate rate = new AdaptiveRate(100, nanos::get);

  @Test
  void quickAnswersRaiseItByOneEachUpToTheCeiling() {
    assertThat(rate.perSecond()).isEqualTo(AdaptiveRate.START);
    for (int i = 0; i < 10; i++) {
      rate.answered(Duration.ofMillis(50));
    }
    assertThat(rate.perSecond()).isEqualTo(20);
    for (int i = 0; i < 500; i++) {
      rate.answered(Duration.ofMillis(50));
    }
    assertThat(rate.perSecond()).isEqualTo(100);
  }

  @Test
  void pushbackHalvesItOncePerSecondDownToTheFloor() {
    for (int i = 0; i < 70; i++) {
      rate.answered(Duration.ofMillis(50));
    }
    rate.pushedBack();
    assertThat(rate.perSecond()).isEqualTo(40);
    rate.pushedBack();
    rate.answered(AdaptiveRate.SLOW.plusMillis(1));
    assertThat(rate.perSecond()).as("answers to creates already under way say the same: one cut a second").isEqualTo(40);
    for (int i = 0; i < 10; i++) {
      nanos.addAndGet(Duration.ofSeconds(1).toNanos());
      rate.answered(AdaptiveRate.SLOW.plusMillis(1));
    }
    assertThat(rate.perSecond()).isEqualTo(AdaptiveRate.FLOOR);
  }

  @Test
  void neverAboveALowCeiling() {
    AdaptiveRate low = new AdaptiveRate(3, nanos::get);
    assertThat(low.perSecond()).isEqualTo(3);
    low.answered(Duration.ofMillis(1));
    assertThat(low.perSecond()).isEqualTo(3);
  }

  /** 500 sessions of one failed node ask at once: the limiter lets them through faster as the rate rises. */
  @Test
  void theLimiterFollowsTheRateWhileSessionsWait() {
    MigrationRateLimiter limiter = new MigrationRateLimiter(rate::perSecond, nanos::get);
    int started = 0;
    long begin = nanos.get();
    java.util.Set<String> waiting = new java.util.LinkedHashSet<>();
    for (int i = 0; i < 500; i++) {
      waiting.add("s" + i);
    }
    while (!waiting.isEmpty()) {
      for (var it = waiting.iterator(); it.hasNext(); ) {
        if (limiter.acquire(it.next()).isZero()) {
          it.remove();
          started++;
          rate.answered(Duration.ofMillis(20));
        }
      }
      nanos.addAndGet(Duration.ofMillis(100).toNanos());
    }
    double seconds = (nanos.get() - begin) / 1e9;
    assertThat(started).isEqualTo(500);
    assertThat(seconds).as("at a fixed 10/s they would take 49 s").isLessThan(12);
  }
}
