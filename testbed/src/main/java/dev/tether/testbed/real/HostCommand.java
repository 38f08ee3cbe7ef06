package dev.tether.testbed.real;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short host command (ip, iptables, ctr, mount) and returns what it printed. */
final class HostCommand {
  private static final long TIMEOUT_SECONDS = 300;

  private HostCommand() {}

  /** Runs {@code command}; throws with its output when it exits non-zero. */
  static String run(String... command) {
    Result result = attempt(command);
    if (result.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": "
          + result.output().strip());
    }
    return result.output();
  }

  /** Runs {@code command} and returns its exit code and output, whatever they are. */
  static Result attempt(String... command) {
    try {
      Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out after " + TIMEOUT_SECONDS + " s");
      }
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command[0], e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + command[0], e);
    }
  }

  record Result(int exitCode, String output) {}
}
