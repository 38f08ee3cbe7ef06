package dev.tether.kubectl;

import dev.tether.api.Tether;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "events", description = {
    "The session's timeline: the Kubernetes Events on the AgentSession, oldest first.",
    "Events stay as long as the apiserver keeps them (--event-ttl, one hour by default), also after the "
        + "session is deleted."})
final class EventsCommand implements Callable<Integer> {
  @ParentCommand
  KubectlTether root;

  @Parameters(paramLabel = "SESSION")
  String name;

  @Override
  public Integer call() {
    String namespace = root.namespace();
    List<Event> events;
    try (var client = root.client()) {
      events = client.v1().events().inNamespace(namespace)
          .withField("involvedObject.kind", Tether.KIND)
          .withField("involvedObject.name", name)
          .list().getItems().stream()
          .sorted(Comparator.comparing(EventsCommand::lastSeen).thenComparing(EventsCommand::resourceVersion))
          .toList();
    }
    if (events.isEmpty()) {
      root.out().println("No events for agentsession " + name + " in namespace " + namespace + ".");
      root.out().flush();
      return 0;
    }
    Table table = new Table("LAST-SEEN", "TYPE", "REASON", "COUNT", "MESSAGE");
    for (Event e : events) {
      table.row(lastSeen(e), e.getType(), e.getReason(), e.getCount() == null ? 1 : e.getCount(), e.getMessage());
    }
    table.print(root.out());
    return 0;
  }

  private static Instant lastSeen(Event e) {
    for (String time : new String[] {e.getLastTimestamp(), e.getEventTime() == null ? null : e.getEventTime().getTime(),
        e.getFirstTimestamp(), e.getMetadata().getCreationTimestamp()}) {
      if (time != null && !time.isBlank()) {
        return Instant.parse(time);
      }
    }
    return Instant.EPOCH;
  }

  /**
   * Events of the same second: the apiserver keeps event times to the second, and resource versions grow with
   * every write in practice, so they order what happened within one second.
   */
  private static long resourceVersion(Event e) {
    try {
      return Long.parseLong(e.getMetadata().getResourceVersion());
    } catch (NumberFormatException | NullPointerException ex) {
      return Long.MAX_VALUE;
    }
  }
}
