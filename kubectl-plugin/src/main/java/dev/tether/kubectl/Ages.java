package dev.tether.kubectl;

import java.time.Duration;
import java.time.Instant;

/** Ages the way kubectl prints them (apimachinery's HumanDuration): 42s, 5m12s, 3h4m, 2d3h. */
final class Ages {
  private Ages() {}

  static String since(Instant then, Instant now) {
    return then == null ? "<none>" : human(Duration.between(then, now));
  }

  static String since(String rfc3339, Instant now) {
    return rfc3339 == null || rfc3339.isBlank() ? "<none>" : since(Instant.parse(rfc3339), now);
  }

  static String human(Duration d) {
    long seconds = d.toSeconds();
    if (seconds < -1) {
      // A clock behind the apiserver's: kubectl says so rather than print a negative age.
      return "<invalid>";
    }
    if (seconds < 0) {
      return "0s";
    }
    if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + (seconds % 60) + "s";
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      return minutes % 60 == 0 ? hours + "h" : hours + "h" + (minutes % 60) + "m";
    }
    if (hours < 48) {
      return hours + "h";
    }
    if (hours < 24 * 8) {
      return hours % 24 == 0 ? hours / 24 + "d" : hours / 24 + "d" + (hours % 24) + "h";
    }
    if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    }
    long days = hours / 24;
    if (hours < 24 * 365 * 8) {
      return days % 365 == 0 ? days / 365 + "y" : days / 365 + "y" + (days % 365) + "d";
    }
    return days / 365 + "y";
  }
}
