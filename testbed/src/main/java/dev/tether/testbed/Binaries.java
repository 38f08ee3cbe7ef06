package dev.tether.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the control-plane binaries that {@code hack/install-control-plane.sh} provides, laid out the way
 * fabric8 kube-api-test expects them: {@code $KUBE_API_TEST_DIR/k8s/<version>-<os>-<arch>/}.
 */
public final class Binaries {
  public static final String KUBE_API_TEST_DIR = "KUBE_API_TEST_DIR";

  private Binaries() {}

  /** The kube-api-test directory: $KUBE_API_TEST_DIR, else ~/.cache/tether/kube-api-test. */
  public static Path kubeApiTestDir() {
    String env = System.getenv(KUBE_API_TEST_DIR);
    if (env == null || env.isBlank()) {
      env = System.getProperty("kube.api.test.dir");
    }
    if (env == null || env.isBlank()) {
      return Path.of(System.getProperty("user.home"), ".cache", "tether", "kube-api-test");
    }
    return Path.of(env);
  }

  /** A binary in the newest version directory that has it, if any. */
  public static Optional<Path> find(String name) {
    Path k8s = kubeApiTestDir().resolve("k8s");
    if (!Files.isDirectory(k8s)) {
      return Optional.empty();
    }
    try (var dirs = Files.list(k8s)) {
      return dirs.sorted(java.util.Comparator.reverseOrder())
          .map(dir -> dir.resolve(name))
          .filter(Files::isExecutable)
          .findFirst();
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  /** etcd for the checkpoint store: the control plane's copy, else the one on the PATH. */
  public static Path etcd() {
    return find("etcd").or(() -> onPath("etcd"))
        .orElseThrow(() -> new IllegalStateException("etcd not found: run hack/install-control-plane.sh"));
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
