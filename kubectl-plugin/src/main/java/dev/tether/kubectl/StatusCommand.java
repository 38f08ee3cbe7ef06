package dev.tether.kubectl;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.CheckpointRef;
import dev.tether.api.v1alpha1.Migration;
import dev.tether.api.v1alpha1.MigrationRecord;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = {
    "Sessions with their phase, epoch, node, the age of their last checkpoint, migrations and Ready reason "
        + "(READY is the reason of the Ready condition).",
    "With SESSION also the Ready message, the checkpoint, the migration in flight and the recent migrations."})
final class StatusCommand implements Callable<Integer> {
  @ParentCommand
  KubectlTether root;

  @Parameters(arity = "0..1", paramLabel = "SESSION", description = "One session (default: all in the namespace).")
  String name;

  @Option(names = {"-A", "--all-namespaces"}, description = "Sessions of all namespaces.")
  boolean allNamespaces;

  @Override
  public Integer call() {
    if (allNamespaces && name != null) {
      throw new CliError("a session name cannot be combined with --all-namespaces");
    }
    Instant now = root.clock().instant();
    PrintWriter out = root.out();
    try (var client = root.client()) {
      if (name != null) {
        AgentSession session = Sessions.get(client, root.namespace(), name);
        table(List.of(session), false, now).print(out);
        details(session, now, out);
        return 0;
      }
      List<AgentSession> sessions = (allNamespaces ? Sessions.api(client).inAnyNamespace()
          : Sessions.api(client).inNamespace(root.namespace())).list().getItems().stream()
          .sorted(Comparator.comparing((AgentSession s) -> s.getMetadata().getNamespace())
              .thenComparing(s -> s.getMetadata().getName()))
          .toList();
      if (sessions.isEmpty()) {
        out.println(allNamespaces ? "No agentsessions found."
            : "No agentsessions found in namespace " + root.namespace() + ".");
        out.flush();
        return 0;
      }
      table(sessions, allNamespaces, now).print(out);
      return 0;
    }
  }

  private static Table table(List<AgentSession> sessions, boolean withNamespace, Instant now) {
    List<String> headers = new ArrayList<>(
        List.of("NAME", "PHASE", "EPOCH", "NODE", "CHECKPOINT", "MIGRATIONS", "READY", "AGE"));
    if (withNamespace) {
      headers.add(0, "NAMESPACE");
    }
    Table table = new Table(headers.toArray(String[]::new));
    for (AgentSession s : sessions) {
      var status = Sessions.status(s);
      CheckpointRef checkpoint = status.getLastCheckpoint();
      List<Object> row = new ArrayList<>(List.of(s.getMetadata().getName(), Sessions.phase(s),
          status.getEpoch(), or(status.getNodeName()),
          checkpoint == null ? "<none>" : Ages.since(checkpoint.getTime(), now),
          status.getMigrationCount(),
          Sessions.ready(s).map(Condition::getReason).orElse("<none>"),
          Ages.since(s.getMetadata().getCreationTimestamp(), now)));
      if (withNamespace) {
        row.add(0, s.getMetadata().getNamespace());
      }
      table.row(row.toArray());
    }
    return table;
  }

  private static void details(AgentSession session, Instant now, PrintWriter out) {
    var status = Sessions.status(session);
    out.println();
    Sessions.ready(session).ifPresentOrElse(
        c -> out.println("Ready:       " + c.getStatus() + ", " + c.getReason() + ": " + c.getMessage()),
        () -> out.println("Ready:       <none> (the operator has not reported yet)"));
    out.println("Pod:         " + or(status.getPodName()));
    CheckpointRef checkpoint = status.getLastCheckpoint();
    out.println("Checkpoint:  " + (checkpoint == null ? "<none>"
        : "#" + checkpoint.getSequence() + " of epoch " + checkpoint.getEpoch() + ", " + checkpoint.getSize()
            + " bytes, " + checkpoint.getDigest() + ", " + checkpoint.getTime()
            + " (" + Ages.since(checkpoint.getTime(), now) + " ago)"));
    var restored = status.getRestoredFrom();
    out.println("Restored:    " + (restored == null ? "<none>" : restored.getSequence() == null
        ? "no checkpoint (epoch " + restored.getEpoch() + " started without state: " + restored.getReason() + ")"
        : "#" + restored.getSequence() + " (by epoch " + restored.getEpoch() + ": " + restored.getReason() + ")"
            + (restored.isFallback() ? ", a fallback" : "")));
    var rollback = status.getRollback();
    if (rollback != null) {
      out.println("Rollback:    to #" + rollback.getToSequence() + " (request " + or(rollback.getRequestId()) + ") "
          + rollback.getResult() + " " + Ages.since(rollback.getTime(), now) + " ago: " + rollback.getMessage());
    }
    Migration m = status.getMigration();
    out.println("Migration:   " + (m == null ? "none in flight"
        : m.getReason() + " of epoch " + m.getFromEpoch() + " (pod " + m.getFromPod() + " on " + or(m.getFromNode())
            + "), step " + m.getStep() + ", detected " + Ages.since(m.getDetectedAt(), now) + " ago"));
    List<MigrationRecord> history = status.getMigrations();
    if (history != null && !history.isEmpty()) {
      out.println("Recent migrations (newest last):");
      Table table = new Table("  REASON", "EPOCHS", "NODES", "DETECTED", "RUNNING", "FINAL-CHECKPOINT");
      for (MigrationRecord r : history) {
        table.row("  " + r.getReason(), r.getFromEpoch() + " -> " + r.getToEpoch(),
            or(r.getFromNode()) + " -> " + or(r.getToNode()), r.getDetectedAt(), r.getRunningAt(),
            r.getFinalCheckpoint());
      }
      table.print(out);
    }
    out.flush();
  }

  private static String or(String value) {
    return value == null || value.isBlank() ? "<none>" : value;
  }
}
