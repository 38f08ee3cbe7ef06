package dev.tether.operator.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.operator.pod.PodView;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class SlimPodItemStoreTest {
  @Test
  void keepsWhatTheOperatorReadsAndDropsTheRestOfTheSpec() {
    Pod pod = new PodBuilder()
        .withNewMetadata().withName("s-1").withNamespace("ns").addToLabels("tether.dev/session", "s")
          .addToAnnotations("tether.dev/template-hash", "abc")
          .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build()).endMetadata()
        .withNewSpec().withNodeName("node-a").withRestartPolicy("Never").withServiceAccountName("agent")
          .addNewContainer().withName("agent").withImage("agent:1").addNewEnv().withName("K").withValue("V").endEnv()
          .endContainer()
          .addNewContainer().withName("tether-supervisor").withImage("supervisor:1").endContainer()
          .addNewVolume().withName("checkpoints").withNewPersistentVolumeClaim("s-checkpoints", false).endVolume()
        .endSpec()
        .withNewStatus().withPhase("Running").addNewContainerStatus().withName("agent").withReady(true)
          .endContainerStatus().endStatus()
        .build();

    SlimPodItemStore store = new SlimPodItemStore();
    store.put("ns/s-1", pod);
    Pod cached = store.get("ns/s-1");

    assertThat(cached.getMetadata().getManagedFields()).isNull();
    assertThat(cached.getMetadata().getLabels()).containsEntry("tether.dev/session", "s");
    assertThat(cached.getMetadata().getAnnotations()).containsEntry("tether.dev/template-hash", "abc");
    assertThat(PodView.node(cached)).isEqualTo("node-a");
    assertThat(cached.getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(cached.getSpec().getContainers()).extracting(c -> c.getName()).containsExactly("agent", "tether-supervisor");
    assertThat(cached.getSpec().getContainers()).allSatisfy(c -> {
      assertThat(c.getImage()).isNull();
      assertThat(c.getEnv()).isNullOrEmpty();
    });
    assertThat(cached.getSpec().getVolumes()).isNullOrEmpty();
    assertThat(cached.getSpec().getServiceAccountName()).isNull();
    assertThat(cached.getStatus().getPhase()).isEqualTo("Running");
  }
}
