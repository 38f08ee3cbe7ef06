package dev.tether.playground;

import java.io.PrintStream;

/** The terminal timeline: one line per event, seconds since the playground started. */
final class Timeline {
  private final long start = System.nanoTime();
  private final PrintStream out;

  Timeline(PrintStream out) {
    this.out = out;
  }

  double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  synchronized void line(String session, String what) {
    out.printf("%7.1fs  %-10s %s%n", seconds(), session, what);
    out.flush();
  }

  synchronized void note(String what) {
    out.printf("%7.1fs  %s%n", seconds(), what);
    out.flush();
  }
}
