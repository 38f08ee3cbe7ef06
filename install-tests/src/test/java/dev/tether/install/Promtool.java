package dev.tether.install;

import dev.tether.testbed.real.RealCluster;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus's promtool, run as a process: found in ~/.cache/tether/bin (where hack/install-promtool.sh puts
 * it) or on the PATH.
 */
final class Promtool {
  static final Path CACHED_BINARY = Path.of(System.getProperty("user.home"), ".cache", "tether", "bin", "promtool");
  private static final Duration TIMEOUT = Duration.ofMinutes(1);

  /** What promtool printed, both streams in order, and how it exited. */
  record Result(List<String> command, int exitCode, String output) {
    boolean succeeded() {
      return exitCode == 0;
    }

    String describe() {
      return "`" + String.join(" ", command) + "` exited with " + exitCode + ":\n" + output;
    }
  }

  private final Path binary;

  private Promtool(Path binary) {
    this.binary = binary;
  }

  /**
   * The installed promtool. Where there is none the calling test is skipped, saying so; where
   * {@code TETHER_REQUIRE_REAL_NODES=true} (CI, whose hack/test.sh installs it) it fails instead, so that a
   * broken install step cannot pass as a skip.
   */
  static Promtool locateOrSkip() {
    Optional<Path> found = find();
    if (found.isPresent()) {
      return new Promtool(found.get());
    }
    String message = "promtool not found in " + CACHED_BINARY + " nor on the PATH: run hack/install-promtool.sh";
    if (RealCluster.required()) {
      throw new AssertionError(message + " (TETHER_REQUIRE_REAL_NODES=true)");
    }
    System.out.println(message + " (skipped)");
    return Assumptions.abort(message);
  }

  private static Optional<Path> find() {
    if (Files.isExecutable(CACHED_BINARY)) {
      return Optional.of(CACHED_BINARY);
    }
    String path = System.getenv("PATH");
    return path == null ? Optional.empty() : Arrays.stream(path.split(File.pathSeparator))
        .map(dir -> Path.of(dir, "promtool"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** Runs promtool in this directory, against which the paths in its arguments and files resolve. */
  Result run(Path workDir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(workDir, "promtool-", ".txt");
      Process process = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within " + TIMEOUT);
      }
      Result result = new Result(command, process.exitValue(), Files.readString(out));
      Files.delete(out);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
