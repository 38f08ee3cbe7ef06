package dev.tether.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.OperatorSettings;
import dev.tether.operator.Sessions;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A session's template cannot hand the agent the namespace's checkpoint store credentials. */
class TenantSecretValidationTest {
  private final SessionSpecValidator validator = new SessionSpecValidator(name -> true,
      OperatorSettings.defaults().limits(), true);

  @Test
  void anOrdinaryTemplatePasses() {
    assertThat(validator.validate(Sessions.agent("team-a", "s"))).isEmpty();
  }

  @Test
  void aVolumeOfTheSecretOrItsReservedNameIsRefused() {
    AgentSession session = Sessions.agent("team-a", "s");
    var spec = session.getSpec().getTemplate().getSpec();
    spec.setVolumes(List.of(
        new VolumeBuilder().withName("creds").withNewSecret().withSecretName("tether-etcd").endSecret().build(),
        new VolumeBuilder().withName("tether-etcd-credentials").withNewEmptyDir().endEmptyDir().build(),
        new VolumeBuilder().withName("projected").withNewProjected().addNewSource().withNewSecret()
            .withName("tether-etcd").endSecret().endSource().endProjected().build()));
    spec.getContainers().get(0).setVolumeMounts(List.of(new VolumeMountBuilder().withName("tether-etcd-credentials")
        .withMountPath("/creds").build()));
    assertThat(validator.validate(session)).anySatisfy(p -> assertThat(p).contains("must not mount the Secret tether-etcd"))
        .anySatisfy(p -> assertThat(p).contains("must not define a volume named 'tether-etcd-credentials'"))
        .anySatisfy(p -> assertThat(p).contains("container 'agent' mounts tether-etcd-credentials"));
  }

  @Test
  void anEnvReferenceToTheSecretIsRefused() {
    AgentSession byKey = Sessions.agent("team-a", "s");
    byKey.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(new EnvVarBuilder()
        .withName("PW").withNewValueFrom().withNewSecretKeyRef("password", "tether-etcd", false).endValueFrom()
        .build()));
    assertThat(validator.validate(byKey)).singleElement()
        .satisfies(p -> assertThat(p).contains("container 'agent' reads the Secret tether-etcd"));

    AgentSession whole = Sessions.agent("team-a", "s");
    whole.getSpec().getTemplate().getSpec().getContainers().get(0).setEnvFrom(List.of(new EnvFromSourceBuilder()
        .withNewSecretRef().withName("tether-etcd").endSecretRef().build()));
    assertThat(validator.validate(whole)).singleElement()
        .satisfies(p -> assertThat(p).contains("container 'agent' reads the Secret tether-etcd"));
  }
}
