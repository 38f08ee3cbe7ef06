package dev.tether.operator.support;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps as Kubernetes writes them (second precision for conditions). */
public final class Times {
  private Times() {}

  public static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  public static String formatMillis(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  public static Instant parse(String text) {
    return text == null ? null : Instant.parse(text);
  }
}
