package dev.tether.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** The machine a run measured, for the report's header. */
final class Machine {
  private Machine() {}

  static String describe() {
    return String.format("%d cores (nproc), %s memory, Java %s (%s), %s, %s", Runtime.getRuntime().availableProcessors(),
        memTotal(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
  }

  /** The 1, 5 and 15 minute load averages: other work on the machine shows here. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " / " + fields[1] + " / " + fields[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static String memTotal() {
    try (var lines = Files.lines(Path.of("/proc/meminfo"))) {
      return lines.filter(l -> l.startsWith("MemTotal:")).findFirst()
          .map(l -> String.format("%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0))
          .orElse("?");
    } catch (IOException | NumberFormatException e) {
      return "?";
    }
  }
}
