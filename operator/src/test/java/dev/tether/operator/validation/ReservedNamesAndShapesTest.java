package dev.tether.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.operator.OperatorSettings;
import dev.tether.operator.Sessions;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Names the operator's own objects use, and spec values the schema lets through but the derived objects
 * could not carry: each is refused before anything is created.
 */
class ReservedNamesAndShapesTest {
  private final SessionSpecValidator validator = new SessionSpecValidator(name -> true,
      OperatorSettings.defaults().limits(), true);

  @Test
  void aNameThatCannotNameTheServiceIsRefused() {
    for (String bad : new String[] {"a".repeat(64), "dotted.name", "1st", "trailing-"}) {
      assertThat(validator.validate(Sessions.agent("team-a", bad))).as(bad).singleElement()
          .satisfies(p -> assertThat(p).startsWith("metadata.name '" + bad + "' must be at most 63"));
    }
    assertThat(validator.validate(Sessions.agent("team-a", "a" + "-b".repeat(31)))).isEmpty();
  }

  @Test
  void theSupervisorsContainerAndVolumeNamesAreReserved() {
    AgentSession session = Sessions.agent("team-a", "s");
    var spec = session.getSpec().getTemplate().getSpec();
    spec.setInitContainers(List.of(new ContainerBuilder().withName("tether-supervisor").withImage("x").build()));
    spec.setVolumes(List.of(new VolumeBuilder().withName("tether-supervisor-tmp").withNewEmptyDir().endEmptyDir()
        .build()));
    assertThat(validator.validate(session)).containsExactlyInAnyOrder(
        "spec.template.spec must not define a container named 'tether-supervisor': the operator adds it",
        "spec.template.spec.volumes must not define a volume named 'tether-supervisor-tmp': the operator adds it");
  }

  @Test
  void aMountPathOverTheRootOrWithDotSegmentsIsRefused() {
    AgentSession root = Sessions.agent("team-a", "s");
    root.getSpec().getCheckpoint().setMountPath("//");
    assertThat(validator.validate(root)).singleElement()
        .satisfies(p -> assertThat(p).startsWith("spec.checkpoint.mountPath must not be /"));

    AgentSession dots = Sessions.agent("team-a", "s");
    dots.getSpec().getCheckpoint().setMountPath("/var/lib/../../etc");
    assertThat(validator.validate(dots)).singleElement()
        .satisfies(p -> assertThat(p).contains("must not contain '.' or '..' segments"));
  }

  @Test
  void aMountPathThatHidesSystemOrSupervisorPathsIsRefused() {
    for (String[] bad : new String[][] {{"/app", "/app"}, {"/opt/java/openjdk", "/opt"}, {"/opt", "/opt"},
        {"/proc/self", "/proc"}, {"/sys", "/sys"}, {"/dev", "/dev"}, {"/etc/", "/etc"}, {"/usr/local/lib", "/usr"},
        {"/bin", "/bin"}, {"/sbin", "/sbin"}, {"/lib", "/lib"}, {"/lib64", "/lib64"},
        {"/var/run/secrets/kubernetes.io", "/var/run/secrets"}, {"/var", "/var/run/secrets"},
        {"/var/lib/tether", "/var/lib/tether"}, {"/var/lib", "/var/lib/tether"}, {"//usr//", "/usr"}}) {
      AgentSession session = Sessions.agent("team-a", "s");
      session.getSpec().getCheckpoint().setMountPath(bad[0]);
      assertThat(validator.validate(session)).as(bad[0]).singleElement()
          .satisfies(p -> assertThat(p).startsWith("spec.checkpoint.mountPath ")
              .contains(" would hide " + bad[1] + ", which the containers' images and the kubelet need"));
    }
    for (String fine : new String[] {"/var/lib/tether/checkpoints", "/var/lib/tether/agent", "/data", "/home/agent",
        "/workspace/state", "/application", "/optional", "/var/lib/agent", "/srv/etc"}) {
      AgentSession session = Sessions.agent("team-a", "s");
      session.getSpec().getCheckpoint().setMountPath(fine);
      assertThat(validator.validate(session)).as(fine).isEmpty();
    }
  }

  @Test
  void aSizeThatIsNoPositiveQuantityIsRefused() {
    for (String bad : new String[] {"lots", "-1Gi", "0", "1Gx"}) {
      AgentSession session = Sessions.agent("team-a", "s");
      session.getSpec().getCheckpoint().setSize(new Quantity(bad));
      assertThat(validator.validate(session)).as(bad).singleElement()
          .satisfies(p -> assertThat(p).startsWith("spec.checkpoint.size"));
    }
    AgentSession negative = Sessions.agent("team-a", "s");
    negative.getSpec().getCheckpoint().setSize(new Quantity("-1Gi"));
    assertThat(validator.validate(negative)).containsExactly("spec.checkpoint.size -1Gi must be positive");
    AgentSession garbage = Sessions.agent("team-a", "s");
    garbage.getSpec().getCheckpoint().setSize(new Quantity("lots"));
    assertThat(validator.validate(garbage))
        .containsExactly("spec.checkpoint.size 'lots' is not a quantity (use e.g. 1Gi, 500Mi)");
    AgentSession fine = Sessions.agent("team-a", "s");
    fine.getSpec().getCheckpoint().setSize(new Quantity("500Mi"));
    assertThat(validator.validate(fine)).isEmpty();
  }
}
