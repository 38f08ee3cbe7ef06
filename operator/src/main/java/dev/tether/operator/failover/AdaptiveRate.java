package dev.tether.operator.failover;

import dev.tether.operator.pod.PodWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How many new incarnations per second the operator may start, adapted to how the apiserver answers its pod
 * creates the way TCP adapts to its network: every quick answer raises the rate by one per second, up to the
 * admin's ceiling; a throttled (429), failed (5xx) or slow answer halves it, at most once per second, down to one
 * per second. The rate starts where a fixed limit used to sit, so a healthy apiserver sees it double about every
 * second while a failed node's sessions move, and a struggling one is given room at once.
 */
public final class AdaptiveRate implements PodWriter.Feedback {
  static final double START = 10;
  static final double FLOOR = 1;
  /** An answer slower than this is the apiserver (or its priority and fairness queues) pushing back. */
  static final Duration SLOW = Duration.ofSeconds(1);
  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  private final double ceiling;
  private final LongSupplier nanoTime;
  private double perSecond;
  private long lastCut;
  private boolean cut;

  public AdaptiveRate(double ceiling) {
    this(ceiling, System::nanoTime);
  }

  /** With a ticker of its own (nanoseconds, only differences count), for tests. */
  public AdaptiveRate(double ceiling, LongSupplier nanoTime) {
    this.ceiling = ceiling;
    this.nanoTime = nanoTime;
    this.perSecond = Math.min(START, ceiling);
  }

  /** The rate now; 0 or less (a ceiling of 0) means no limit. */
  public synchronized double perSecond() {
    return perSecond;
  }

  /** A pod create was answered (created, or refused for a reason of its own) after {@code latency}. */
  @Override
  public synchronized void answered(Duration latency) {
    if (latency.compareTo(SLOW) > 0) {
      pushedBack();
    } else if (ceiling > 0) {
      perSecond = Math.min(ceiling, perSecond + 1);
    }
  }

  /** The apiserver throttled (429) or failed (5xx) a pod create, or answered it slowly. */
  @Override
  public synchronized void pushedBack() {
    long now = nanoTime.getAsLong();
    if (ceiling <= 0 || cut && now - lastCut < SECOND) {
      return; // one cut per second: the answers to creates already sent say the same thing
    }
    perSecond = Math.max(Math.min(FLOOR, ceiling), perSecond / 2);
    lastCut = now;
    cut = true;
  }
}
