package dev.tether.kubectl;

import dev.tether.api.Tether;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import java.io.PrintWriter;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "move", description = {
    "A planned move: the session continues in a new incarnation from its newest checkpoint.",
    "Sets the pod template annotation " + MoveCommand.ANNOTATION + " to now, as kubectl rollout restart does. "
        + "The operator treats a changed pod template as a planned move (SpecChanged): it stops the running pod "
        + "gracefully (an agent that checkpoints on SIGTERM commits once more), starts the next epoch and "
        + "restores the newest checkpoint. Planned moves do not count against maxMigrations.",
    "The scheduler picks the node, which may be the same one. To move a session off a node, cordon or drain "
        + "the node: the operator then moves it (Drain) after asking the agent for a final checkpoint."})
final class MoveCommand implements Callable<Integer> {
  static final String ANNOTATION = Tether.GROUP + "/restartedAt";

  @ParentCommand
  KubectlTether root;

  @Parameters(paramLabel = "SESSION")
  String name;

  @Override
  public Integer call() {
    PrintWriter out = root.out();
    try (var client = root.client()) {
      String namespace = root.namespace();
      AgentSession session = Sessions.get(client, namespace, name);
      var status = Sessions.status(session);
      // Only a running incarnation moves: a suspended session would just start with the new template on
      // resume, and a migration in flight already makes a new incarnation.
      if (session.getSpec().isSuspend() || status.getPhase() != SessionPhase.Running || status.getMigration() != null) {
        throw new CliError("cannot move " + Sessions.ref(session) + ": it is " + Sessions.phase(session)
            + (session.getSpec().isSuspend() ? " (spec.suspend is true)" : "") + "; only a Running session moves");
      }
      String now = DateTimeFormatter.ISO_INSTANT.format(root.clock().instant().truncatedTo(ChronoUnit.SECONDS));
      Sessions.mergePatch(client, namespace, name,
          "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + ANNOTATION + "\":\"" + now + "\"}}}}}");
      out.println(Sessions.ref(session) + " move requested: pod template annotation " + ANNOTATION + "=" + now + ".");
      out.println("The operator moves incarnation " + status.getEpoch() + " (pod " + status.getPodName() + " on "
          + status.getNodeName() + ") as a planned SpecChanged migration: the next epoch restores the newest "
          + "checkpoint" + (status.getLastCheckpoint() == null ? ""
          : " (#" + status.getLastCheckpoint().getSequence() + " or a later one)") + ".");
      out.println("Follow it with: kubectl tether status " + name + " -n " + namespace);
      out.flush();
      return 0;
    }
  }
}
