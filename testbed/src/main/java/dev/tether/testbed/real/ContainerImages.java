package dev.tether.testbed.real;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's images as {@code hack/build-images.sh} leaves them: tarballs in
 * {@code ${TETHER_CACHE:-~/.cache/tether}/images}, listed in {@code images.txt} as {@code <ref> <file>} lines.
 * Nodes never pull; every image a pod uses is imported into each node's containerd.
 */
public final class ContainerImages {
  /** Operator, supervisor and example agent in one image: the chart's and the examples' default. */
  public static final String TETHER = "ghcr.io/tether-dev/tether-operator:0.1.0";
  /** Debian's etcd, for the chart's quick-start etcd. */
  public static final String ETCD_REPOSITORY = "tether.local/etcd";
  public static final List<String> REQUIRED = List.of(NodeRuntime.PAUSE_IMAGE, TETHER);

  private ContainerImages() {}

  public static Path dir() {
    String cache = System.getenv("TETHER_CACHE");
    Path base = cache == null || cache.isBlank()
        ? Path.of(System.getProperty("user.home"), ".cache", "tether") : Path.of(cache);
    return base.resolve("images");
  }

  /** Image reference to tarball, in the order listed; empty when nothing was built. */
  public static Map<String, Path> available() {
    Path list = dir().resolve("images.txt");
    Map<String, Path> images = new LinkedHashMap<>();
    if (!Files.isRegularFile(list)) {
      return images;
    }
    try {
      for (String line : Files.readAllLines(list)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length == 2 && !line.startsWith("#")) {
          Path file = dir().resolve(fields[1]);
          if (Files.isRegularFile(file)) {
            images.put(fields[0], file);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return images;
  }

  /** The etcd image's reference as listed, e.g. {@code tether.local/etcd:3.4.23}. */
  public static String etcd() {
    return available().keySet().stream().filter(ref -> ref.startsWith(ETCD_REPOSITORY + ":")).findFirst()
        .orElseThrow(() -> new IllegalStateException("no " + ETCD_REPOSITORY + " image: run hack/build-images.sh"));
  }
}
