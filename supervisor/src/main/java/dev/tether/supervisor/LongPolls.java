package dev.tether.supervisor;

import java.util.concurrent.Semaphore;

/**
 * A bound on long polls ({@code GET /v1/checkpoint-request?wait=N}): the request pool has {@link #MAX} threads
 * more than it serves other requests with, and a poll that finds all of those taken is refused at once (429)
 * rather than queued. However many polls an agent leaves open, commits, restores and probes still find a thread.
 */
final class LongPolls {
  static final int MAX = 8;

  private final Semaphore slots = new Semaphore(MAX);

  /** A long poll that holds a slot while it waits. */
  interface Poll {
    void run() throws java.io.IOException;
  }

  /** Runs the poll in a free slot; false, without running it, when there is none. */
  boolean tryRun(Poll poll) throws java.io.IOException {
    if (!slots.tryAcquire()) {
      return false;
    }
    try {
      poll.run();
      return true;
    } finally {
      slots.release();
    }
  }

  /** Polls waiting right now. */
  int active() {
    return MAX - slots.availablePermits();
  }
}
