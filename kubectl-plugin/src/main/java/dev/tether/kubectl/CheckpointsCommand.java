package dev.tether.kubectl;

import dev.tether.operator.checkpoint.CheckpointStoreSettings;
import dev.tether.store.ContextStore;
import dev.tether.store.Manifest;
import dev.tether.store.SessionKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "checkpoints", description = {
    "The session's committed checkpoints, newest first, as the checkpoint store (etcd) holds them.",
    "The store is reached as the operator reaches it: TETHER_ETCD_ENDPOINTS, TETHER_ETCD_USERNAME, "
        + "TETHER_ETCD_PASSWORD and TETHER_ETCD_CA_FILE; --etcd-endpoints overrides the first."})
final class CheckpointsCommand implements Callable<Integer> {
  static final String ENDPOINTS_ENV = "TETHER_ETCD_ENDPOINTS";

  @ParentCommand
  KubectlTether root;

  @Parameters(paramLabel = "SESSION")
  String name;

  @Option(names = "--etcd-endpoints", paramLabel = "URL[,URL...]",
      description = "etcd client URLs of the checkpoint store (default: $" + ENDPOINTS_ENV + ").")
  String endpoints;

  @Override
  public Integer call() {
    SessionKey key = SessionKey.of(root.namespace(), name);
    List<Manifest> manifests;
    try (ContextStore store = ContextStore.connect(settings().storeConfig())) {
      manifests = store.manifests(key);
    }
    if (manifests.isEmpty()) {
      root.out().println("No checkpoints for " + key + " in the checkpoint store.");
      root.out().flush();
      return 0;
    }
    Instant now = root.clock().instant();
    Table table = new Table("SEQUENCE", "EPOCH", "SIZE", "DIGEST", "CREATED", "AGE", "METADATA");
    for (Manifest m : manifests) {
      table.row(m.sequence(), m.epoch(), m.size(), m.digest(), m.createdAt().truncatedTo(ChronoUnit.SECONDS),
          Ages.since(m.createdAt(), now), metadata(m.metadata()));
    }
    table.print(root.out());
    return 0;
  }

  /** The operator's own settings class, so the plugin reads the same variables the same way. */
  private CheckpointStoreSettings settings() {
    Map<String, String> env = new HashMap<>(root.env());
    if (endpoints != null) {
      env.put(ENDPOINTS_ENV, endpoints);
    }
    return CheckpointStoreSettings.fromEnv(env).orElseThrow(() -> new CliError(
        "no checkpoint store given: pass --etcd-endpoints or set " + ENDPOINTS_ENV));
  }

  private static String metadata(Map<String, String> metadata) {
    return metadata.isEmpty() ? "<none>" : metadata.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }
}
