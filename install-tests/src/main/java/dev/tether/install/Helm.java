package dev.tether.install;

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
import java.util.stream.Stream;

/**
 * The helm binary, run as a process. Found in ~/.cache/tether/bin (where hack/install-helm.sh puts it) or on
 * the PATH. Helm's own cache, config and data directories point to a private temporary directory, so that
 * a developer's repositories and plugins neither leak into nor get changed by the tests.
 */
public final class Helm {
  public static final Path CACHED_BINARY = Path.of(System.getProperty("user.home"), ".cache", "tether", "bin", "helm");
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final Path binary;
  private final Path home;
  private final Path kubeconfig;

  private Helm(Path binary, Path home, Path kubeconfig) {
    this.binary = binary;
    this.home = home;
    this.kubeconfig = kubeconfig;
  }

  /** The installed helm; fails with what to run when there is none. */
  public static Helm locate() {
    Path binary = find().orElseThrow(() -> new IllegalStateException(
        "helm not found in " + CACHED_BINARY + " nor on the PATH: run hack/install-helm.sh"));
    try {
      Path home = Files.createTempDirectory("tether-helm-home-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(home), "helm-home-cleanup"));
      return new Helm(binary, home, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Optional<Path> find() {
    if (Files.isExecutable(CACHED_BINARY)) {
      return Optional.of(CACHED_BINARY);
    }
    String path = System.getenv("PATH");
    return path == null ? Optional.empty() : Arrays.stream(path.split(File.pathSeparator))
        .map(dir -> Path.of(dir, "helm"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** The same helm, talking to the cluster of this kubeconfig file. */
  public Helm withKubeconfig(Path kubeconfigFile) {
    return new Helm(binary, home, kubeconfigFile);
  }

  public Path binary() {
    return binary;
  }

  public HelmResult run(String... args) {
    return run(List.of(args));
  }

  public HelmResult run(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(args);
    try {
      // Files rather than pipes: helm template output can exceed a pipe buffer while we wait for exit.
      Path out = Files.createTempFile(home, "out-", ".txt");
      Path err = Files.createTempFile(home, "err-", ".txt");
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      var env = builder.environment();
      env.put("HELM_CACHE_HOME", home.resolve("cache").toString());
      env.put("HELM_CONFIG_HOME", home.resolve("config").toString());
      env.put("HELM_DATA_HOME", home.resolve("data").toString());
      if (kubeconfig != null) {
        env.put("KUBECONFIG", kubeconfig.toString());
      } else {
        env.remove("KUBECONFIG");
      }
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within " + TIMEOUT);
      }
      HelmResult result = new HelmResult(command, process.exitValue(), Files.readString(out), Files.readString(err));
      Files.delete(out);
      Files.delete(err);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory: nothing to lose
    }
  }

  /** Arguments joined into one list, for callers that build a command from parts. */
  static List<String> args(List<String> first, String... more) {
    return Stream.concat(first.stream(), Arrays.stream(more)).toList();
  }
}
