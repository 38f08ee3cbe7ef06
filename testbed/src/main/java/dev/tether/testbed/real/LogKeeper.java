package dev.tether.testbed.real;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps every container log the nodes write, even after the kubelet deletes it with its pod: each new log file
 * gets a hard link under {@code keep/<node>/} within a second, so its content outlives the original name (the
 * runtime keeps appending to the same file). For failure analysis: what a deleted incarnation logged.
 */
final class LogKeeper implements AutoCloseable {
  private final Path keep;
  private final List<RealNode> nodes;
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "testbed-log-keeper");
    thread.setDaemon(true);
    return thread;
  });

  LogKeeper(Path keep, List<RealNode> nodes) {
    this.keep = keep;
    this.nodes = List.copyOf(nodes);
    poller.scheduleWithFixedDelay(this::linkNew, 0, 1, TimeUnit.SECONDS);
  }

  private void linkNew() {
    for (RealNode node : nodes) {
      Path root = node.logs().root();
      try (var files = Files.walk(root)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          Path link = keep.resolve(node.name()).resolve(root.relativize(file).toString());
          if (!Files.exists(link)) {
            try {
              Files.createDirectories(link.getParent());
              Files.createLink(link, file);
            } catch (FileAlreadyExistsException | java.nio.file.NoSuchFileException raced) {
              // linked meanwhile, or deleted before we got to it
            }
          }
        }
      } catch (IOException | UncheckedIOException ignored) {
        // a directory went away while walking; the next round sees the rest
      }
    }
  }

  /** Copies what was kept into {@code target/<node>/pods}. */
  void copyTo(Path target) {
    linkNew();
    for (RealNode node : nodes) {
      new PodLogs(keep.resolve(node.name())).copyTo(target.resolve(node.name()).resolve("pods"));
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
