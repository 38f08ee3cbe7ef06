package dev.tether.operator.failover;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * A cluster-wide rate for new incarnations, so that a failed node with hundreds of sessions does not flood the
 * apiserver. A token bucket: tokens come at the rate of the moment ({@link AdaptiveRate} may change it from one
 * request to the next), up to one second's worth. Sessions are served first come, first served: one that has to
 * wait joins a queue, and no later session takes a token before it (else, with every session polling again, an
 * unlucky one could wait for ever). A queued session is told how long until its turn at the current rate, and
 * asks again then; a faster rate meanwhile shortens every wait at once. Time is monotonic: a clock stepped back
 * would otherwise hold every migration for as long as the step.
 */
public final class MigrationRateLimiter {
  /** A queued session that has not asked again for this long is dropped (deleted, or no longer moving). */
  private static final long ABANDONED_NANOS = Duration.ofMinutes(1).toNanos();

  private final DoubleSupplier rate;
  private final LongSupplier nanoTime;
  /** Monotonic time of our own: the ticker's increases only. */
  private long now;
  private long lastTick;
  private double tokens = Double.NaN;
  /** The sessions waiting for a token, in the order they first asked, with when each last asked. */
  private final Map<String, Long> queue = new LinkedHashMap<>();

  public MigrationRateLimiter(double perSecond) {
    this(perSecond, System::nanoTime);
  }

  /** With a ticker of its own (nanoseconds, only differences count), for tests. */
  public MigrationRateLimiter(double perSecond, LongSupplier nanoTime) {
    this(() -> perSecond, nanoTime);
  }

  /** At the rate {@code rate} gives at each request. */
  public MigrationRateLimiter(DoubleSupplier rate, LongSupplier nanoTime) {
    this.rate = rate;
    this.nanoTime = nanoTime;
    this.lastTick = nanoTime.getAsLong();
  }

  /** Takes a token for {@code who} (zero), or returns how long until its turn at the current rate. */
  public synchronized Duration acquire(String who) {
    double perSecond = rate.getAsDouble();
    if (perSecond <= 0) {
      return Duration.ZERO;
    }
    long tick = nanoTime.getAsLong();
    long elapsed = Math.max(0, tick - lastTick);
    now += elapsed;
    lastTick = tick;
    double burst = Math.max(1, perSecond);
    tokens = Double.isNaN(tokens) ? burst : Math.min(burst, tokens + elapsed * perSecond / 1e9);
    queue.values().removeIf(asked -> asked + ABANDONED_NANOS < now);
    queue.put(who, now);
    int position = positionOf(who);
    if (position < (int) Math.floor(tokens)) {
      queue.remove(who);
      tokens -= 1;
      return Duration.ZERO;
    }
    double missing = position + 1 - tokens;
    return Duration.ofMillis(Math.max(1, (long) Math.ceil(missing / perSecond * 1000)));
  }

  private int positionOf(String who) {
    int position = 0;
    for (Iterator<String> it = queue.keySet().iterator(); it.hasNext(); position++) {
      if (it.next().equals(who)) {
        return position;
      }
    }
    throw new IllegalStateException(who + " is not queued");
  }
}
