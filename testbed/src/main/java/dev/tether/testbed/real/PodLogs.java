package dev.tether.testbed.real;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One node's container logs as its kubelet and containerd leave them, in the CRI log format
 * ({@code <time> <stream> <tag> <line>}): {@code <root>/<ns>_<pod>_<uid>/<container>/<restart>.log}. The node sees
 * its directory as {@code /var/log/pods} (see {@link NodeRuntime}): a kubelet removes the log directories of
 * every pod it does not run, so nodes sharing one {@code /var/log/pods} would delete each other's logs.
 */
public final class PodLogs {
  /** Where the kubelet and containerd write pod logs; fixed in the kubelet of Kubernetes 1.20. */
  static final Path NODE_PATH = Path.of("/var/log/pods");
  /** Where the kubelet links each container's current log; fixed too. */
  static final Path NODE_LINKS_PATH = Path.of("/var/log/containers");

  private final Path root;

  PodLogs(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  void create() {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every line the container wrote, over all its restarts, without the CRI prefix; empty if none. */
  String read(String namespace, String pod, String container) {
    String prefix = namespace + "_" + pod + "_";
    try (var pods = Files.list(root)) {
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

  /** One line a container wrote, with the time the runtime recorded it. */
  public record Line(Instant time, String text) {}

  /** Like {@link #read}, with each line's time. */
  List<Line> lines(String namespace, String pod, String container) {
    String prefix = namespace + "_" + pod + "_";
    List<Line> result = new ArrayList<>();
    try (var pods = Files.list(root)) {
      for (Path file : pods.filter(p -> p.getFileName().toString().startsWith(prefix))
          .map(p -> p.resolve(container)).filter(Files::isDirectory).flatMap(PodLogs::files)
          .sorted(Comparator.comparing(PodLogs::restartNumber)).toList()) {
        for (String line : Files.readAllLines(file)) {
          String[] parts = line.split(" ", 4);
          if (parts.length == 4) {
            result.add(new Line(Instant.parse(parts[0]), parts[3]));
          }
        }
      }
    } catch (IOException | DateTimeParseException e) {
      // nothing logged yet, or a line being written
    }
    return result;
  }

  /** Copies every log file into {@code target}, keeping the layout; a file that goes away meanwhile is skipped. */
  void copyTo(Path target) {
    try (var files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        try {
          Path copy = target.resolve(root.relativize(file).toString());
          Files.createDirectories(copy.getParent());
          Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException skipped) {
          // removed while copying
        }
      }
    } catch (IOException | UncheckedIOException ignored) {
      // nothing logged
    }
  }

  private static Stream<Path> files(Path dir) {
    try (var list = Files.list(dir)) {
      return list.filter(f -> f.getFileName().toString().endsWith(".log")).toList().stream();
    } catch (IOException e) {
      return Stream.empty();
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
}
