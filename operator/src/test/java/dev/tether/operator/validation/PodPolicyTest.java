package dev.tether.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodPolicyTest {
  private static PodSpec pod(String serviceAccount) {
    return new PodSpecBuilder().withServiceAccountName(serviceAccount)
        .addNewContainer().withName("agent").withImage("agent:1").endContainer().build();
  }

  @Test
  void byDefaultOnlyTheDefaultServiceAccount() {
    PodPolicy policy = PodPolicy.fromEnv(Map.of());
    assertThat(policy).isEqualTo(PodPolicy.DEFAULT);
    assertThat(policy.violations(pod(null))).isEmpty();
    assertThat(policy.violations(pod("default"))).isEmpty();
    assertThat(policy.violations(pod("ci-deployer"))).containsExactly("spec.template.spec.serviceAccountName "
        + "'ci-deployer' is not one the admin allows for sessions (default; chart value sessionServiceAccounts)");
    PodSpec deprecatedField = pod(null);
    deprecatedField.setServiceAccount("ci-deployer");
    assertThat(policy.violations(deprecatedField)).as("the deprecated serviceAccount field too").hasSize(1);
  }

  @Test
  void theAdminNamesMoreOrAllowsAny() {
    PodPolicy named = PodPolicy.fromEnv(Map.of("TETHER_SESSION_SERVICE_ACCOUNTS", "default, agent-runner"));
    assertThat(named.violations(pod("agent-runner"))).isEmpty();
    assertThat(named.violations(pod("ci-deployer"))).singleElement().asString()
        .contains("(default, agent-runner;");
    assertThat(PodPolicy.fromEnv(Map.of("TETHER_SESSION_SERVICE_ACCOUNTS", "*")).violations(pod("anything")))
        .isEmpty();
    assertThat(PodPolicy.fromEnv(Map.of("TETHER_SESSION_SERVICE_ACCOUNTS", "")).violations(pod("default")))
        .singleElement().asString().contains("(none;");
  }

  @Test
  void theBaselineLevelComesWithIt() {
    PodSpec host = pod(null);
    host.setHostNetwork(true);
    assertThat(PodPolicy.fromEnv(Map.of()).violations(host)).isNotEmpty();
    assertThat(PodPolicy.fromEnv(Map.of("TETHER_POD_SECURITY", "privileged")).violations(host)).isEmpty();
    assertThatThrownBy(() -> PodPolicy.fromEnv(Map.of("TETHER_POD_SECURITY", "lax")))
        .hasMessageContaining("baseline or privileged");
    assertThat(PodPolicy.baselineOnly(true).serviceAccounts()).isEqualTo(List.of(PodPolicy.ANY));
  }
}
