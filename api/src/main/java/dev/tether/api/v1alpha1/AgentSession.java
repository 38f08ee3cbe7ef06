package dev.tether.api.v1alpha1;

import dev.tether.api.Tether;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A long-running, stateful AI agent session: one live pod at a time, a checkpoint volume, and a
 * fencing epoch that increases with every new incarnation.
 */
@Group(Tether.GROUP)
@Version(Tether.VERSION)
@ShortNames("ags")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.nodeName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Epoch", jsonPath = ".status.epoch", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Checkpoint", jsonPath = ".status.lastCheckpoint.time",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Migrations", jsonPath = ".status.migrationCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AgentSession extends CustomResource<AgentSessionSpec, AgentSessionStatus> implements Namespaced {

  @Override
  protected AgentSessionStatus initStatus() {
    return new AgentSessionStatus();
  }
}
