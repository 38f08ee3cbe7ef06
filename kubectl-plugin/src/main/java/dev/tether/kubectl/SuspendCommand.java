package dev.tether.kubectl;

import dev.tether.api.v1alpha1.AgentSession;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "suspend", description = {
    "Sets spec.suspend to true: the operator deletes the session's pod and keeps its volume and checkpoints.",
    "The session's phase becomes Suspended once the pod is gone."})
final class SuspendCommand implements Callable<Integer> {
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
      if (session.getSpec().isSuspend()) {
        out.println(Sessions.ref(session) + " is already suspended (spec.suspend is true, phase "
            + Sessions.phase(session) + "): nothing changed.");
        out.flush();
        return 0;
      }
      Sessions.mergePatch(client, namespace, name, "{\"spec\":{\"suspend\":true}}");
      var status = Sessions.status(session);
      out.println(Sessions.ref(session) + " suspended: spec.suspend is now true.");
      out.println("The operator deletes pod " + status.getPodName() + " (incarnation " + status.getEpoch()
          + (status.getNodeName() == null ? "" : " on " + status.getNodeName()) + ") and keeps the volume and "
          + "the checkpoints" + (status.getLastCheckpoint() == null ? ""
          : " (newest: #" + status.getLastCheckpoint().getSequence() + ")") + ".");
      out.println("Resume with: kubectl tether resume " + name + " -n " + namespace);
      out.flush();
      return 0;
    }
  }
}
