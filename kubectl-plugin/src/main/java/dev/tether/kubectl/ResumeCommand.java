package dev.tether.kubectl;

import dev.tether.api.v1alpha1.AgentSession;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "resume", description = {
    "Sets spec.suspend to false: the operator starts a new incarnation at the next epoch, which restores the "
        + "newest checkpoint as the session's restorePolicy says."})
final class ResumeCommand implements Callable<Integer> {
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
      if (!session.getSpec().isSuspend()) {
        out.println(Sessions.ref(session) + " is not suspended (spec.suspend is false, phase "
            + Sessions.phase(session) + "): nothing changed.");
        out.flush();
        return 0;
      }
      Sessions.mergePatch(client, namespace, name, "{\"spec\":{\"suspend\":false}}");
      var status = Sessions.status(session);
      var checkpoint = status.getLastCheckpoint();
      out.println(Sessions.ref(session) + " resumed: spec.suspend is now false.");
      out.println("The operator starts a new incarnation after epoch " + status.getEpoch() + "; it restores "
          + (checkpoint == null ? "the newest checkpoint, if any"
          : "the newest checkpoint (#" + checkpoint.getSequence() + " of epoch " + checkpoint.getEpoch() + ")")
          + ", restorePolicy " + session.getSpec().getCheckpoint().getRestorePolicy() + ".");
      out.println("Follow it with: kubectl tether status " + name + " -n " + namespace);
      out.flush();
      return 0;
    }
  }
}
