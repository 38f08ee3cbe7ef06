package dev.tether.bench;

import java.util.Arrays;
import java.util.Collection;

/** Nearest-rank percentiles of a sample, in milliseconds. */
record Stats(int n, double p50, double p99, double max) {

  static Stats ofMillis(Collection<Double> millis) {
    double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return ofSorted(sorted);
  }

  static Stats ofNanos(long[] nanos) {
    return ofSorted(Arrays.stream(nanos).mapToDouble(n -> n / 1e6).sorted().toArray());
  }

  private static Stats ofSorted(double[] sorted) {
    if (sorted.length == 0) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
    }
    return new Stats(sorted.length, rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1]);
  }

  private static double rank(double[] sorted, double p) {
    return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
  }

  static String seconds(double millis) {
    return Double.isNaN(millis) ? "-" : String.format("%.1f s", millis / 1000);
  }

  static String millis(double millis) {
    return Double.isNaN(millis) ? "-" : String.format("%.2f ms", millis);
  }
}
