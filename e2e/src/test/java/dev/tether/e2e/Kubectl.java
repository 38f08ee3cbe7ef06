package dev.tether.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** kubectl against the real cluster, as an admin would run it; output kept for failure messages. */
final class Kubectl {
  private final Process process;
  private final Path output;

  private Kubectl(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  static Kubectl start(TetherOnRealNodes tether, String... args) {
    List<String> command = new ArrayList<>(List.of("kubectl",
        "--kubeconfig=" + tether.cluster.controlPlane().kubeconfigFile()));
    command.addAll(List.of(args));
    try {
      Path output = Files.createTempFile("kubectl-", ".log");
      output.toFile().deleteOnExit();
      return new Kubectl(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
          .start(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Its exit code; -1 if it was still running after {@code timeout} (then it is killed). */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  void stop() {
    process.destroy();
  }

  String output() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
