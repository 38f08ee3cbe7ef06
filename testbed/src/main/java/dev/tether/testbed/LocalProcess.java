package dev.tether.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A process the test bed started, with its output appended to a log file. */
public final class LocalProcess {
  private final String name;
  private final Process process;
  private final Path log;

  private LocalProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static LocalProcess start(String name, List<String> command, Path log) {
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

  public boolean isAlive() {
    return process.isAlive();
  }

  /** "name (see log)" for error messages. */
  public String describe() {
    return name + " (log: " + log + ")";
  }

  /** Runs {@code action} when the process exits, whatever the reason. */
  public void onExit(Runnable action) {
    process.onExit().thenRun(action);
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL, as in a crash; waits until it is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, then SIGKILL if it does not exit within 10 s. */
  public void stop() {
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
