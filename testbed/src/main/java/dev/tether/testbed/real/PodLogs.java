package dev.tether.testbed.real;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Collectors;

/**
 * Container logs as the kubelet and containerd leave them on the node, in the CRI log format
 * ({@code <time> <stream> <tag> <line>}): {@code /var/log/pods/<ns>_<pod>_<uid>/<container>/<restart>.log}.
 */
final class PodLogs {
  static final Path ROOT = Path.of("/var/log/pods");
  /** The kubelet's links {@code <pod>_<ns>_<container>-<id>.log} to the files under {@link #ROOT}. */
  private static final Path LINKS = Path.of("/var/log/containers");

  private PodLogs() {}

  /** Every line the container wrote, over all its restarts, without the CRI prefix; empty if none. */
  static String read(String namespace, String pod, String container) {
    String prefix = namespace + "_" + pod + "_";
    try (var pods = Files.list(ROOT)) {
      return pods.filter(p -> p.getFileName().toString().startsWith(prefix))
          .map(p -> p.resolve(container))
          .filter(Files::isDirectory)
          .flatMap(PodLogs::files)
          .sorted(Comparator.comparing(PodLogs::restartNumber))
          .map(PodLogs::lines)
          .collect(Collectors.joining());
    } catch (IOException e) {
      return "";
    }
  }

  /** Removes the log directories of pods in namespaces whose names start with {@code namespacePrefix}. */
  static void removeNamespaces(String namespacePrefix) {
    try (var pods = Files.list(ROOT)) {
      pods.filter(p -> p.getFileName().toString().startsWith(namespacePrefix)).forEach(PodLogs::delete);
    } catch (IOException ignored) {
      // nothing logged yet
    }
    // Their links would dangle until some kubelet's log cleanup.
    try (var links = Files.list(LINKS)) {
      links.filter(link -> {
        String[] parts = link.getFileName().toString().split("_");
        return parts.length > 2 && parts[1].startsWith(namespacePrefix);
      }).forEach(link -> link.toFile().delete());
    } catch (IOException ignored) {
      // no links
    }
  }

  private static java.util.stream.Stream<Path> files(Path dir) {
    try {
      return Files.list(dir).filter(f -> f.getFileName().toString().endsWith(".log")).toList().stream();
    } catch (IOException e) {
      return java.util.stream.Stream.empty();
    }
  }

  private static int restartNumber(Path file) {
    String name = file.getFileName().toString();
    try {
      return Integer.parseInt(name.substring(0, name.indexOf('.')));
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  private static String lines(Path file) {
    try {
      StringBuilder text = new StringBuilder();
      for (String line : Files.readAllLines(file)) {
        // <RFC3339 time> <stdout|stderr> <F|P> <content>
        String[] parts = line.split(" ", 4);
        text.append(parts.length == 4 ? parts[3] : line).append('\n');
      }
      return text.toString();
    } catch (IOException e) {
      return "";
    }
  }

  private static void delete(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
