package dev.tether.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A process the test bed started, with its output appended to a log file. */
final class LocalProcess {
  private final String name;
  private final Process process;
  private final Path log;

  private LocalProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static LocalProcess start(String name, List<String> command, Path log) {
    try {
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      return new LocalProcess(name, process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** "name (see log)" for error messages. */
  String describe() {
    return name + " (log: " + log + ")";
  }

  /** SIGTERM, then SIGKILL if it does not exit within 10 s. */
  void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
