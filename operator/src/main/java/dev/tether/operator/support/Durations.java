package dev.tether.operator.support;

import java.text.ParseException;
import java.time.Duration;

/**
 * The Go-style durations of the spec and the settings (20s, 1m30s, 500ms), parsed by Fabric8 the way the
 * apiserver writes them; the CRD schema has already checked their form.
 */
public final class Durations {
  private Durations() {}

  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty duration");
    }
    try {
      return io.fabric8.kubernetes.api.model.Duration.parse(text.trim()).getDuration();
    } catch (ParseException | ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (use e.g. 20s, 1m30s, 500ms)", e);
    }
  }

  public static Duration parseOr(String text, Duration fallback) {
    return text == null || text.isBlank() ? fallback : parse(text);
  }

  /** The shortest Go-style text for a duration, as a user would write it in a spec: 15s, 10m, 1m30s, 500ms. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder text = new StringBuilder();
    long hours = d.toHours();
    int minutes = d.toMinutesPart();
    int seconds = d.toSecondsPart();
    int millis = d.toMillisPart();
    if (hours > 0) {
      text.append(hours).append('h');
    }
    if (minutes > 0) {
      text.append(minutes).append('m');
    }
    if (seconds > 0) {
      text.append(seconds).append('s');
    }
    if (millis > 0) {
      text.append(millis).append("ms");
    }
    return text.toString();
  }
}
