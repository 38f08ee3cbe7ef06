package dev.tether.playground;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.api.v1alpha1.AgentSessionSpec;
import dev.tether.api.v1alpha1.CheckpointSpec;
import dev.tether.api.v1alpha1.FailoverSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.time.Duration;
import java.util.Map;

/**
 * An AgentSession that runs the example step agent, as in examples/step-agent-session.yaml, tuned for a
 * simulated cluster: a ReadWriteMany volume (a network share: nothing to detach from a dead node), fast failure
 * detection and short backoff between migrations.
 */
public record StepAgentSession(int steps, Duration stepDuration, int checkpointEvery, String detectionTimeout,
                               Map<String, String> nodeSelector) {
  public static final String IMAGE = "ghcr.io/tether-dev/tether-operator:0.1.0";

  public AgentSession build(String namespace, String name) {
    AgentSession session = new AgentSession();
    session.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    AgentSessionSpec spec = new AgentSessionSpec();
    spec.setTemplate(new PodTemplateSpecBuilder()
        .withNewSpec()
          .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
          .addNewContainer()
            .withName("agent")
            .withImage(IMAGE)
            .withCommand("java", "-cp", "@/app/jib-classpath-file", "dev.tether.examples.agent.StepAgent")
            .addNewEnv().withName("AGENT_STEPS").withValue(Integer.toString(steps)).endEnv()
            .addNewEnv().withName("AGENT_STEP_MILLIS").withValue(Long.toString(stepDuration.toMillis())).endEnv()
            .addNewEnv().withName("AGENT_CHECKPOINT_EVERY").withValue(Integer.toString(checkpointEvery)).endEnv()
          .endContainer()
        .endSpec()
        .build());
    spec.getCheckpoint().setAccessMode(CheckpointSpec.AccessMode.ReadWriteMany);
    FailoverSpec failover = spec.getFailover();
    failover.setDetectionTimeout(detectionTimeout);
    failover.setInitialBackoff("1s");
    failover.setMaxBackoff("2s");
    failover.setMaxMigrations(20);
    session.setSpec(spec);
    return session;
  }
}
