package dev.tether.operator.failover;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A cluster-wide rate for new incarnations, so that a failed node with hundreds of sessions does not flood the
 * apiserver. The burst equals one second's worth. Sessions are served first come, first served: one that has
 * to wait is given the next free slot, and no later session takes it (else, with every session polling again,
 * an unlucky one could wait for ever). Time is monotonic: a clock stepped back would otherwise hold every
 * migration for as long as the step.
 */
public final class MigrationRateLimiter {
  /** A slot not claimed this long after it came is given up (its session was deleted or no longer moves). */
  private static final long ABANDONED_NANOS = Duration.ofMinutes(1).toNanos();

  private final double perSecond;
  private final LongSupplier nanoTime;
  private final long interval;
  private final long burstTolerance;
  /** Monotonic time of our own: the ticker's increases only. */
  private long now;
  private long lastTick;
  /** When the next slot is free, as in the generic cell rate algorithm. */
  private long nextFree;
  private final Map<String, Long> reserved = new LinkedHashMap<>();

  public MigrationRateLimiter(double perSecond) {
    this(perSecond, System::nanoTime);
  }

  /** With a ticker of its own (nanoseconds, only differences count), for tests. */
  public MigrationRateLimiter(double perSecond, LongSupplier nanoTime) {
    this.perSecond = perSecond;
    this.nanoTime = nanoTime;
    this.interval = perSecond <= 0 ? 0 : (long) (1e9 / perSecond);
    this.burstTolerance = (long) ((Math.max(1, perSecond) - 1) * interval);
    this.lastTick = nanoTime.getAsLong();
  }

  /** Takes a slot for {@code who}, or returns how long until the slot it holds now. */
  public synchronized Duration acquire(String who) {
    if (perSecond <= 0) {
      return Duration.ZERO;
    }
    long tick = nanoTime.getAsLong();
    now += Math.max(0, tick - lastTick);
    lastTick = tick;
    reserved.values().removeIf(slot -> slot + ABANDONED_NANOS < now);
    Long slot = reserved.get(who);
    if (slot != null) {
      if (slot <= now) {
        reserved.remove(who);
        return Duration.ZERO;
      }
      return untilSlot(slot);
    }
    long arrival = Math.max(nextFree, now);
    long start = arrival - burstTolerance;
    nextFree = arrival + interval;
    if (start <= now) {
      return Duration.ZERO;
    }
    reserved.put(who, start);
    return untilSlot(start);
  }

  private Duration untilSlot(long slot) {
    return Duration.ofMillis((long) Math.ceil((slot - now) / 1e6));
  }
}
