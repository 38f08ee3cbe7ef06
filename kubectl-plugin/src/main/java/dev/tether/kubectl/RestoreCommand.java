package dev.tether.kubectl;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.SessionPhase;
import java.io.PrintWriter;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "restore", description = {
    "Rolls the session back to an older checkpoint (kubectl tether checkpoints lists them).",
    "Sets spec.rollback to the sequence, with the time as its requestId. The operator checks that the checkpoint "
        + "is kept, stops the running incarnation gracefully (an agent that checkpoints on SIGTERM commits once "
        + "more), and starts the next epoch, which restores that checkpoint and commits it again as the newest: "
        + "the fence is kept, and the checkpoints after it stay in the history until retention drops them.",
    "The outcome is in status.rollback (Started or Rejected, and why) and in the session's Events."})
final class RestoreCommand implements Callable<Integer> {
  @ParentCommand
  KubectlTether root;

  @Parameters(paramLabel = "SESSION")
  String name;

  @Option(names = "--to", paramLabel = "SEQ", required = true, description = "Sequence of the checkpoint to go back to.")
  long sequence;

  @Override
  public Integer call() {
    PrintWriter out = root.out();
    if (sequence < 1) {
      throw new CliError("--to must be a checkpoint sequence (1 or more), got " + sequence);
    }
    try (var client = root.client()) {
      String namespace = root.namespace();
      AgentSession session = Sessions.get(client, namespace, name);
      var status = Sessions.status(session);
      if (session.getSpec().isSuspend() || status.getPhase() == SessionPhase.Succeeded
          || status.getPhase() == SessionPhase.Failed) {
        throw new CliError("cannot roll back " + Sessions.ref(session) + ": it is " + Sessions.phase(session)
            + (session.getSpec().isSuspend() ? " (spec.suspend is true: resume it first)" : "")
            + "; a rollback replaces a live incarnation");
      }
      String requestId = DateTimeFormatter.ISO_INSTANT.format(root.clock().instant().truncatedTo(ChronoUnit.SECONDS))
          .replace(":", "").replace("-", "");
      Sessions.mergePatch(client, namespace, name,
          "{\"spec\":{\"rollback\":{\"toSequence\":" + sequence + ",\"requestId\":\"" + requestId + "\"}}}");
      out.println(Sessions.ref(session) + " rollback requested: spec.rollback.toSequence=" + sequence
          + ", requestId " + requestId + ".");
      out.println("The operator replaces incarnation " + status.getEpoch()
          + (status.getPodName() == null ? "" : " (pod " + status.getPodName() + ")")
          + " with one that restores checkpoint #" + sequence + " and commits it again as the newest"
          + (status.getLastCheckpoint() == null ? "" : " (the newest now: #" + status.getLastCheckpoint().getSequence() + ")")
          + "; if #" + sequence + " is not kept, it rejects the request and nothing moves.");
      out.println("Follow it with: kubectl tether status " + name + " -n " + namespace);
      out.flush();
      return 0;
    }
  }
}
