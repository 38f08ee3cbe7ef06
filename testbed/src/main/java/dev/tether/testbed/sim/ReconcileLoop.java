package dev.tether.testbed.sim;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A level-triggered control loop: one thread runs a full reconcile pass; requests that arrive while a pass is
 * queued collapse into it, so a burst of watch events costs one pass. A failed pass is retried shortly, like a
 * controller's work queue.
 */
final class ReconcileLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);
  private static final Duration RETRY = Duration.ofMillis(500);

  private final String name;
  private final Runnable pass;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean queued = new AtomicBoolean();

  ReconcileLoop(String name, Runnable pass) {
    this.name = name;
    this.pass = pass;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  void request() {
    if (queued.compareAndSet(false, true)) {
      run(this::runPass);
    }
  }

  void requestAfter(Duration delay) {
    try {
      executor.schedule(this::request, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // shutting down
    }
  }

  /** Runs other work on the loop's thread, serialised with the passes. */
  void run(Runnable task) {
    try {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.warn("{}: {}", name, e.toString());
          requestAfter(RETRY);
        }
      });
    } catch (RejectedExecutionException closed) {
      // shutting down
    }
  }

  /** Runs a task on the loop's thread and waits for it, so callers see its effects in order. */
  void runAndWait(Runnable task) {
    try {
      executor.submit(task).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(name + " is stuck", e);
    }
  }

  /** Runs a task every interval on the loop's thread. */
  void every(Duration interval, Runnable task) {
    executor.scheduleWithFixedDelay(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.warn("{}: {}", name, e.toString());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void runPass() {
    queued.set(false);
    pass.run();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
