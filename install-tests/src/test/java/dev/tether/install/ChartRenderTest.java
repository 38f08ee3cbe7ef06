package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@code helm template} renders, checked object by object. */
class ChartRenderTest {
  private static final TetherChart CHART = TetherChart.locate();
  private static final String NS = "tether-system";
  private static final RenderedChart DEFAULTS = CHART.render("tether-operator", NS);
  private static final RenderedChart PRODUCTION =
      CHART.render("tether", NS, "-f", ValuesFiles.path(ValuesFiles.PRODUCTION));

  @Nested
  class Rbac {
    @Test
    void allNamespacesModeGrantsSessionResourcesThroughAClusterRole() {
      ClusterRole sessions = clusterRoleGranting(DEFAULTS, "", "pods").orElseThrow();
      assertThat(verbs(sessions.getRules(), "", "pods"))
          .containsExactlyInAnyOrder("get", "list", "watch", "create", "delete");
      assertThat(verbs(sessions.getRules(), "tether.dev", "agentsessions"))
          .as("sessions are patched (finalizer, edits), never replaced; deleted past ttlAfterFinished")
          .containsExactlyInAnyOrder("get", "list", "watch", "patch", "delete");
      assertThat(verbs(sessions.getRules(), "tether.dev", "agentsessions/finalizers")).containsExactly("update");
      assertThat(verbs(sessions.getRules(), "", "events")).containsExactlyInAnyOrder("get", "list", "watch", "create", "patch");
      assertThat(grants(sessions.getRules(), "events.k8s.io", "events")).as("the operator writes core v1 Events only")
          .isFalse();
      assertThat(boundTo(DEFAULTS, sessions)).containsExactly("tether-system/tether-operator");
      assertThat(DEFAULTS.all(Role.class)).noneMatch(role -> grants(role.getRules(), "", "pods"));
    }

    @Test
    void watchNamespacesModeGrantsSessionResourcesOnlyInThoseNamespaces() {
      List<Role> sessionRoles = PRODUCTION.all(Role.class).stream()
          .filter(role -> grants(role.getRules(), "tether.dev", "agentsessions"))
          .toList();
      assertThat(sessionRoles).extracting(role -> role.getMetadata().getNamespace())
          .containsExactlyInAnyOrder("agents-a", "agents-b");
      for (Role role : sessionRoles) {
        assertThat(verbs(role.getRules(), "", "pods"))
            .containsExactlyInAnyOrder("get", "list", "watch", "create", "delete");
        RoleBinding binding = PRODUCTION.find(RoleBinding.class, b -> b.getMetadata().getNamespace()
            .equals(role.getMetadata().getNamespace()) && b.getRoleRef().getName().equals(role.getMetadata().getName()))
            .orElseThrow();
        assertThat(binding.getSubjects()).singleElement()
            .satisfies(s -> assertThat(s.getNamespace() + "/" + s.getName()).isEqualTo(NS + "/tether"));
      }
      assertThat(PRODUCTION.all(ClusterRole.class))
          .noneMatch(role -> grants(role.getRules(), "", "pods") || grants(role.getRules(), "tether.dev", "agentsessions"));
    }

    @Test
    void nodeHeartbeatsAreReadOnlyInKubeNodeLease() {
      Role leases = DEFAULTS.find(Role.class, r -> "kube-node-lease".equals(r.getMetadata().getNamespace()))
          .orElseThrow();
      assertThat(verbs(leases.getRules(), "coordination.k8s.io", "leases"))
          .containsExactlyInAnyOrder("get", "list", "watch");
      assertThat(boundTo(DEFAULTS, leases)).containsExactly("tether-system/tether-operator");
      assertThat(DEFAULTS.all(ClusterRole.class)).noneMatch(r -> grants(r.getRules(), "coordination.k8s.io", "leases"));
    }

    @Test
    void leaderElectionLeaseOnlyInReleaseNamespaceAndOnlyWhenEnabled() {
      Role election = DEFAULTS.find(Role.class, r -> NS.equals(r.getMetadata().getNamespace())).orElseThrow();
      assertThat(verbs(election.getRules(), "coordination.k8s.io", "leases"))
          .containsExactlyInAnyOrder("get", "create", "update", "patch");
      assertThat(election.getRules()).filteredOn(r -> !r.getVerbs().contains("create"))
          .allSatisfy(r -> assertThat(r.getResourceNames()).containsExactly("tether-operator"));

      RenderedChart without = CHART.render("tether-operator", NS, "--set", "replicaCount=1", "--set", "leaderElection.enabled=false");
      assertThat(without.all(Role.class)).noneMatch(r -> NS.equals(r.getMetadata().getNamespace()));
      assertThat(env(operator(without))).containsEntry("TETHER_LEADER_ELECTION", "false");
    }

    @Test
    void nodesArePatchableOnlyWithOutOfServiceTaintFencing() {
      assertThat(verbs(allClusterRules(DEFAULTS), "", "nodes")).containsExactlyInAnyOrder("get", "list", "watch");
      RenderedChart fencing = CHART.render("tether-operator", NS, "--set", "fencing.allowOutOfServiceTaint=true");
      assertThat(verbs(allClusterRules(fencing), "", "nodes"))
          .containsExactlyInAnyOrder("get", "list", "watch", "patch");
      assertThat(verbs(allClusterRules(fencing), "storage.k8s.io", "volumeattachments")).doesNotContain("delete");
    }

    /**
     * A fencing value must both grant the verb and tell the operator to use it: a grant the operator never
     * uses is a privilege without a purpose, and the setting without the grant fails with 403.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "fencing.allowOutOfServiceTaint, TETHER_ALLOW_OUT_OF_SERVICE_TAINT, '', nodes, patch",
        "fencing.allowVolumeAttachmentDelete, TETHER_ALLOW_VOLUME_ATTACHMENT_DELETE, storage.k8s.io, volumeattachments, delete",
    })
    void fencingValueGrantsTheVerbAndEnablesTheFeatureTogether(String value, String env, String group,
        String resource, String verb) {
      RenderedChart on = CHART.render("tether-operator", NS, "--set", value + "=true");
      assertThat(env(operator(on))).containsEntry(env, "true");
      assertThat(verbs(allClusterRules(on), group, resource)).contains(verb);

      RenderedChart off = CHART.render("tether-operator", NS, "--set", value + "=false");
      for (RenderedChart chart : List.of(DEFAULTS, off)) {
        assertThat(env(operator(chart))).containsEntry(env, "false");
        assertThat(verbs(allClusterRules(chart), group, resource)).doesNotContain(verb);
      }
    }

    @Test
    void theOperatorReadsThePodPolicyTheChartPasses() {
      assertThat(settings(DEFAULTS).podPolicy()).isEqualTo(dev.tether.operator.validation.PodPolicy.DEFAULT);
      var open = settings(CHART.render("tether-operator", NS, "--set", "podSecurity=privileged",
          "--set-json", "sessionServiceAccounts=[\"default\",\"agent-runner\"]")).podPolicy();
      assertThat(open.baseline()).isFalse();
      assertThat(open.serviceAccounts()).containsExactly("default", "agent-runner");
    }

    @Test
    void theOperatorReadsTheFencingSettingsTheChartPasses() {
      assertThat(settings(DEFAULTS).allowOutOfServiceTaint()).isFalse();
      assertThat(settings(DEFAULTS).allowVolumeAttachmentDelete()).isFalse();
      OperatorSettings taint = settings(CHART.render("tether-operator", NS, "--set", "fencing.allowOutOfServiceTaint=true"));
      assertThat(taint.allowOutOfServiceTaint()).isTrue();
      assertThat(taint.allowVolumeAttachmentDelete()).isFalse();
      OperatorSettings detach =
          settings(CHART.render("tether-operator", NS, "--set", "fencing.allowVolumeAttachmentDelete=true"));
      assertThat(detach.allowOutOfServiceTaint()).isFalse();
      assertThat(detach.allowVolumeAttachmentDelete()).isTrue();
      assertThat(settings(PRODUCTION).allowOutOfServiceTaint()).isTrue();
      assertThat(settings(PRODUCTION).allowVolumeAttachmentDelete()).isTrue();
    }

    @Test
    void theAdminsObjectStoreReachesTheOperatorAndATypoIsRefusedByTheSchema() {
      assertThat(settings(DEFAULTS).defaultObjectStore()).isNull();
      var store = settings(CHART.render("tether-operator", NS, "--set", "objectStore.endpoint=http://s3.tether:8080",
          "--set", "objectStore.bucket=checkpoints")).defaultObjectStore();
      assertThat(store.getEndpoint()).isEqualTo("http://s3.tether:8080");
      assertThat(store.getBucket()).isEqualTo("checkpoints");
      assertThat(store.getCredentialsSecret()).isEqualTo("tether-object-store");
      assertThat(store.getMode()).hasToString("Synchronous");
      var async = settings(CHART.render("tether-operator", NS, "--set", "objectStore.endpoint=http://s3.tether:8080",
          "--set", "objectStore.bucket=checkpoints", "--set", "objectStore.mode=Asynchronous",
          "--set", "objectStore.maxLag=1m")).defaultObjectStore();
      assertThat(async.getMode()).hasToString("Asynchronous");
      assertThat(async.getMaxLag()).isEqualTo("1m");
      assertThat(CHART.template("t", NS, "--set", "objectStore.mode=Eventually").succeeded()).isFalse();
      assertThat(CHART.template("t", NS, "--set", "objectStore.endpoint=http://s3:8080").succeeded())
          .as("an endpoint needs a bucket").isFalse();
      assertThat(CHART.template("t", NS, "--set", "objectStore.bucket=Upper_Case").succeeded()).isFalse();
    }

    @Test
    void theAdminsRangesForSessionTimingsReachTheOperator() {
      var defaults = settings(DEFAULTS).limits();
      assertThat(defaults.detectionTimeout()).hasToString("15s to 10m");
      assertThat(defaults.drainCheckpointTimeout()).hasToString("0s to 10m");
      var set = settings(CHART.render("tether-operator", NS, "--set", "sessionLimits.detectionTimeout.min=30s",
          "--set", "sessionLimits.detectionTimeout.max=2m", "--set", "sessionLimits.drainCheckpointTimeout.max=1m",
          "--set", "sessionLimits.migrationWindow.max=2h", "--set", "detectionTimeout=45s")).limits();
      assertThat(set.detectionTimeout()).hasToString("30s to 2m");
      assertThat(set.drainCheckpointTimeout()).hasToString("0s to 1m");
      assertThat(set.migrationWindow()).hasToString("0s to 2h");
      assertThat(set.volumeDetachTimeout()).as("untouched").isEqualTo(defaults.volumeDetachTimeout());
    }

    @Test
    void storageClassesAreReadable() {
      assertThat(verbs(allClusterRules(DEFAULTS), "storage.k8s.io", "storageclasses"))
          .containsExactlyInAnyOrder("get", "list", "watch");
      assertThat(verbs(allClusterRules(PRODUCTION), "storage.k8s.io", "storageclasses"))
          .containsExactlyInAnyOrder("get", "list", "watch");
    }

    @Test
    void persistentVolumesAreReadOneByOneOnly() {
      assertThat(verbs(allClusterRules(DEFAULTS), "", "persistentvolumes")).containsExactly("get");
      assertThat(verbs(allClusterRules(PRODUCTION), "", "persistentvolumes")).containsExactly("get");
    }

    @Test
    void volumeAttachmentsAreDeletableOnlyWithVolumeAttachmentFencing() {
      assertThat(verbs(allClusterRules(DEFAULTS), "storage.k8s.io", "volumeattachments"))
          .containsExactlyInAnyOrder("get", "list", "watch");
      RenderedChart fencing = CHART.render("tether-operator", NS, "--set", "fencing.allowVolumeAttachmentDelete=true");
      assertThat(verbs(allClusterRules(fencing), "storage.k8s.io", "volumeattachments"))
          .containsExactlyInAnyOrder("get", "list", "watch", "delete");
      assertThat(verbs(allClusterRules(fencing), "", "nodes")).doesNotContain("patch");
    }

    @Test
    void secretsOnlyToIssueTheNamespacesEtcdCredentialsWhereEtcdAuthenticates() {
      assertThat(grants(allRules(DEFAULTS), "", "secrets")).as("no etcd auth: no Secrets").isFalse();
      assertThat(verbs(allRules(PRODUCTION), "", "secrets")).containsExactlyInAnyOrder("get", "create");
      assertThat(PRODUCTION.all(Role.class)).filteredOn(role -> grants(role.getRules(), "", "secrets"))
          .extracting(role -> role.getMetadata().getNamespace()).as("only the watched namespaces")
          .containsExactlyInAnyOrder("agents-a", "agents-b");
    }

    @Test
    void secretsGetOnlyToDeleteObjectsWhereTheAdminSetAnObjectStore() {
      RenderedChart store = CHART.render("tether-operator", NS, "--set", "objectStore.endpoint=http://s3:8080",
          "--set", "objectStore.bucket=checkpoints");
      assertThat(verbs(allRules(store), "", "secrets")).containsExactly("get");
    }

    private static List<PolicyRule> allRules(RenderedChart chart) {
      return Stream.concat(allClusterRules(chart).stream(),
          chart.all(Role.class).stream().flatMap(r -> r.getRules().stream())).toList();
    }

    @Test
    void noRuleGrantsWildcards() {
      for (RenderedChart chart : List.of(DEFAULTS, PRODUCTION)) {
        List<PolicyRule> rules = allRules(chart);
        assertThat(rules).isNotEmpty().allSatisfy(rule -> {
          assertThat(rule.getResources()).doesNotContain("*");
          assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
          assertThat(rule.getApiGroups()).doesNotContain("*");
        });
      }
    }

    @Test
    void clusterScopedNamesIncludeTheReleaseNamespace() {
      RenderedChart other = CHART.render("tether-operator", "other-team");
      assertThat(names(other.all(ClusterRole.class))).doesNotContainAnyElementsOf(names(DEFAULTS.all(ClusterRole.class)));
      assertThat(names(other.all(ClusterRoleBinding.class)))
          .doesNotContainAnyElementsOf(names(DEFAULTS.all(ClusterRoleBinding.class)));
    }
  }

  @Nested
  class OperatorDeployment {
    @Test
    void runsTwoReplicasSpreadAcrossNodesWithLeaderElection() {
      Deployment deployment = DEFAULTS.one(Deployment.class);
      assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
          .singleElement()
          .satisfies(term -> {
            assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels())
                .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
          });
      assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
      assertThat(pod.getServiceAccountName()).isEqualTo(DEFAULTS.one(ServiceAccount.class).getMetadata().getName());
    }

    @Test
    void isRestrictedByPodSecurityStandards() {
      for (RenderedChart chart : List.of(DEFAULTS, PRODUCTION)) {
        PodSpec pod = operator(chart);
        assertRestricted(pod);
        Container container = pod.getContainers().get(0);
        assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(pod.getVolumes()).anySatisfy(v -> {
          assertThat(v.getName()).isEqualTo("tmp");
          assertThat(v.getEmptyDir()).isNotNull();
        });
      }
    }

    @Test
    void passesTheOperatorContractInItsEnvironment() {
      Map<String, String> env = env(operator(DEFAULTS));
      assertThat(env).containsEntry("TETHER_WATCH_NAMESPACES", "")
          .containsEntry("TETHER_ETCD_ENDPOINTS", "")
          .containsEntry("TETHER_SUPERVISOR_IMAGE", "ghcr.io/tether-dev/tether-operator:0.1.0")
          .containsEntry("TETHER_DETECTION_TIMEOUT", "20s")
          .containsEntry("TETHER_MASS_FAILURE_THRESHOLD", "0.5")
          .containsEntry("TETHER_MIGRATIONS_PER_SECOND", "100")
          .containsEntry("TETHER_ALLOW_OUT_OF_SERVICE_TAINT", "false")
          .containsEntry("TETHER_ALLOW_VOLUME_ATTACHMENT_DELETE", "false")
          .containsEntry("TETHER_LEADER_ELECTION", "true")
          .containsEntry("TETHER_LEADER_ELECTION_ID", "tether-operator")
          .containsEntry("TETHER_HTTP_PORT", "8080")
          .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")
          .containsEntry("TETHER_LEADER_ELECTION_NAMESPACE", "fieldRef:metadata.namespace")
          .containsEntry("POD_NAME", "fieldRef:metadata.name")
          .doesNotContainKeys("TETHER_ETCD_USERNAME", "TETHER_ETCD_PASSWORD", "TETHER_ETCD_CA_FILE");
      assertThat(env.get("TETHER_SUPERVISOR_SECURITY_CONTEXT"))
          .isEqualTo("{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]},"
              + "\"readOnlyRootFilesystem\":true,\"runAsGroup\":65532,\"runAsNonRoot\":true,\"runAsUser\":65532,"
              + "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}}");
      Container container = operator(DEFAULTS).getContainers().get(0);
      assertThat(container.getImage()).isEqualTo("ghcr.io/tether-dev/tether-operator:0.1.0");
      assertThat(container.getCommand()).isNullOrEmpty();
      assertThat(container.getArgs()).isNullOrEmpty();
    }

    @Test
    void passesExternalEtcdAndWatchedNamespaces() {
      PodSpec pod = operator(PRODUCTION);
      Map<String, String> env = env(pod);
      assertThat(env).containsEntry("TETHER_WATCH_NAMESPACES", "agents-a,agents-b")
          .containsEntry("TETHER_ETCD_ENDPOINTS", "https://etcd-0.etcd.storage.svc:2379,"
              + "https://etcd-1.etcd.storage.svc:2379,https://etcd-2.etcd.storage.svc:2379")
          .containsEntry("TETHER_ETCD_USERNAME", "secret:tether-etcd-auth/username")
          .containsEntry("TETHER_ETCD_PASSWORD", "secret:tether-etcd-auth/password")
          .containsEntry("TETHER_ETCD_CA_FILE", "/etc/tether/etcd-tls/ca.crt")
          .containsEntry("TETHER_SUPERVISOR_IMAGE", "registry.example.com/platform/tether-supervisor:0.1.0-rc.1")
          .containsEntry("TETHER_DETECTION_TIMEOUT", "1m30s");
      assertThat(pod.getVolumes()).filteredOn(v -> v.getSecret() != null)
          .singleElement().satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("tether-etcd-ca"));
      assertThat(pod.getContainers().get(0).getVolumeMounts())
          .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/tether/etcd-tls"));
    }

    @Test
    void probesTheOperatorsHttpEndpoints() {
      Container container = operator(DEFAULTS).getContainers().get(0);
      assertThat(container.getPorts()).singleElement().satisfies(p -> {
        assertThat(p.getName()).isEqualTo("http");
        assertThat(p.getContainerPort()).isEqualTo(8080);
      });
      assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/startupz");
      assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(Stream.of(container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe()))
          .allSatisfy(probe -> assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http"));
    }

    @Test
    void hasADisruptionBudgetOnlyWithMoreThanOneReplica() {
      assertThat(DEFAULTS.ofKind("PodDisruptionBudget")).hasSize(1);
      assertThat(CHART.render("tether-operator", NS, "--set", "replicaCount=1").ofKind("PodDisruptionBudget")).isEmpty();
    }

    @Test
    void disruptionBudgetApiFollowsTheClusterVersion() {
      assertThat(CHART.render("t", NS, "--kube-version", "1.20.2").ofKind("PodDisruptionBudget"))
          .singleElement().extracting(HasMetadata::getApiVersion).isEqualTo("policy/v1beta1");
      assertThat(CHART.render("t", NS, "--kube-version", "1.30.0").ofKind("PodDisruptionBudget"))
          .singleElement().extracting(HasMetadata::getApiVersion).isEqualTo("policy/v1");
    }
  }

  @Nested
  class Metrics {
    @Test
    void serviceExposesMetricsPortOfTheOperatorPods() {
      Service service = DEFAULTS.one(Service.class);
      assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
        assertThat(p.getName()).isEqualTo("http-metrics");
        assertThat(p.getPort()).isEqualTo(8080);
        assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
      });
      assertThat(DEFAULTS.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels())
          .containsAllEntriesOf(service.getSpec().getSelector());
    }

    @Test
    void serviceMonitorOnlyWhenEnabled() {
      assertThat(DEFAULTS.ofKind("ServiceMonitor")).isEmpty();
      RenderedChart enabled = CHART.render("tether-operator", NS, "--set", "metrics.serviceMonitor.enabled=true");
      assertThat(enabled.ofKind("ServiceMonitor")).singleElement().satisfies(monitor -> {
        Object endpoints = ((GenericKubernetesResource) monitor).getAdditionalProperties().get("spec");
        assertThat(endpoints.toString()).contains("port=http-metrics", "path=/metrics");
      });
    }
  }

  @Nested
  class QuickstartEtcd {
    @Test
    void absentByDefault() {
      assertThat(DEFAULTS.all(StatefulSet.class)).isEmpty();
    }

    @Test
    void singleRestrictedMemberWithStorageThatTheOperatorUses() {
      RenderedChart chart = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART));
      StatefulSet etcd = chart.one(StatefulSet.class);
      assertThat(etcd.getSpec().getReplicas()).isEqualTo(1);
      Container container = etcd.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(container.getImage()).isEqualTo("quay.io/coreos/etcd:v3.5.17");
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(etcd.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(etcd.getSpec().getVolumeClaimTemplates()).singleElement()
          .satisfies(pvc -> assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString())
              .isEqualTo("2Gi"));
      Service service = chart.find(Service.class, s -> s.getMetadata().getName().equals(etcd.getSpec().getServiceName()))
          .orElseThrow();
      assertThat(env(operator(chart))).containsEntry("TETHER_ETCD_ENDPOINTS",
          "https://" + service.getMetadata().getName() + "." + NS + ".svc:2379");
    }

    @Test
    void aFixedServiceIpServesClustersWithoutDnsAndPeersStayOnLoopback() {
      RenderedChart chart = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART),
          "--set", "etcd.quickstart.service.clusterIP=10.0.0.100",
          "--set", "etcd.quickstart.nodeSelector.role=infra",
          "--set-json", "etcd.quickstart.tolerations=[{\"key\":\"infra\",\"operator\":\"Exists\"}]");
      Service client = chart.find(Service.class, s -> "10.0.0.100".equals(s.getSpec().getClusterIP())).orElseThrow();
      assertThat(client.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(2379));
      assertThat(env(operator(chart))).containsEntry("TETHER_ETCD_ENDPOINTS", "https://10.0.0.100:2379");
      var pod = chart.one(StatefulSet.class).getSpec().getTemplate().getSpec();
      assertThat(pod.getContainers().get(0).getCommand())
          .contains("--advertise-client-urls=https://10.0.0.100:2379", "--listen-peer-urls=http://127.0.0.1:2380",
              "--initial-cluster=etcd=http://127.0.0.1:2380");
      assertThat(pod.getNodeSelector()).containsEntry("role", "infra");
      assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("infra"));
    }

    @Test
    void authenticationIsOnByDefaultWithGeneratedPasswordsThatTheOperatorBootstrapsWith() {
      RenderedChart chart = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART));
      Secret auth = chart.find(Secret.class, x -> x.getMetadata().getName().equals("tether-operator-etcd-auth"))
          .orElseThrow();
      assertThat(auth.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
      assertThat(auth.getData()).containsOnlyKeys("root-password", "operator-password").allSatisfy((k, v) ->
          assertThat(java.util.Base64.getDecoder().decode(v)).hasSize(32));
      assertThat(env(operator(chart)))
          .containsEntry("TETHER_ETCD_BOOTSTRAP_AUTH", "true")
          .containsEntry("TETHER_ETCD_USERNAME", "tether-operator")
          .containsEntry("TETHER_ETCD_PASSWORD", "secret:tether-operator-etcd-auth/operator-password")
          .containsEntry("TETHER_ETCD_ADMIN_USERNAME", "root")
          .containsEntry("TETHER_ETCD_ADMIN_PASSWORD", "secret:tether-operator-etcd-auth/root-password");
      assertThat(verbs(allClusterRules(chart), "", "secrets")).containsExactlyInAnyOrder("get", "create");

      RenderedChart open = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART),
          "--set", "etcd.quickstart.auth.enabled=false");
      assertThat(open.all(Secret.class)).noneMatch(x -> x.getMetadata().getName().endsWith("-auth"));
      assertThat(env(operator(open))).doesNotContainKeys("TETHER_ETCD_BOOTSTRAP_AUTH", "TETHER_ETCD_USERNAME",
          "TETHER_ETCD_ADMIN_PASSWORD");
      assertThat(grants(allClusterRules(open), "", "secrets")).isFalse();
    }

    @Test
    void aNetworkPolicyAdmitsOnlyTheOperatorAndSessionPodsToTheClientPort() {
      RenderedChart chart = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART));
      NetworkPolicy policy = chart.one(NetworkPolicy.class);
      StatefulSet etcd = chart.one(StatefulSet.class);
      assertThat(policy.getSpec().getPodSelector().getMatchLabels())
          .isEqualTo(etcd.getSpec().getSelector().getMatchLabels());
      assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
      var rule = policy.getSpec().getIngress().get(0);
      assertThat(policy.getSpec().getIngress()).hasSize(1);
      assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(2379));
      assertThat(rule.getFrom()).hasSize(2);
      assertThat(rule.getFrom().get(0).getPodSelector().getMatchLabels())
          .isEqualTo(chart.one(Deployment.class).getSpec().getSelector().getMatchLabels());
      assertThat(rule.getFrom().get(0).getNamespaceSelector()).as("the release namespace").isNull();
      assertThat(rule.getFrom().get(1).getPodSelector().getMatchLabels())
          .containsExactly(Map.entry("app.kubernetes.io/managed-by", "tether-operator"));
      assertThat(rule.getFrom().get(1).getNamespaceSelector()).as("any namespace").isNotNull();

      RenderedChart watched = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART),
          "--set", "watchNamespaces={agents-a,agents-b}");
      assertThat(watched.one(NetworkPolicy.class).getSpec().getIngress().get(0).getFrom().get(1)
          .getNamespaceSelector().getMatchExpressions()).singleElement()
          .satisfies(e -> assertThat(e.getValues()).containsExactly("agents-a", "agents-b"));
      assertThat(CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART),
          "--set", "etcd.quickstart.networkPolicy.enabled=false").all(NetworkPolicy.class)).isEmpty();
    }
  }

  @Nested
  class QuickstartEtcdTls {
    @Test
    void theClientPortSpeaksTlsWithAGeneratedServingCertificateThatTheOperatorVerifies() throws Exception {
      RenderedChart chart = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART),
          "--set", "etcd.quickstart.service.clusterIP=10.0.0.100");
      Secret tls = chart.find(Secret.class, x -> x.getMetadata().getName().equals("tether-operator-etcd-tls"))
          .orElseThrow();
      assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
      assertThat(tls.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
      var certificates = java.security.cert.CertificateFactory.getInstance("X.509");
      var ca = (java.security.cert.X509Certificate) certificates.generateCertificate(
          new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(tls.getData().get("ca.crt"))));
      var serving = (java.security.cert.X509Certificate) certificates.generateCertificate(
          new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(tls.getData().get("tls.crt"))));
      serving.verify(ca.getPublicKey());
      assertThat(serving.getSubjectAlternativeNames()).extracting(n -> n.get(1).toString())
          .contains("10.0.0.100", "127.0.0.1", "tether-operator-etcd." + NS + ".svc");
      assertThat(tls.getData()).containsKey("tls.key");

      var etcd = chart.one(StatefulSet.class).getSpec().getTemplate().getSpec();
      assertThat(etcd.getContainers().get(0).getCommand()).contains("--listen-client-urls=https://0.0.0.0:2379",
          "--cert-file=/etc/etcd/tls/tls.crt", "--key-file=/etc/etcd/tls/tls.key");
      assertThat(etcd.getVolumes()).filteredOn(v -> v.getSecret() != null).extracting(v -> v.getSecret().getSecretName())
          .containsExactly("tether-operator-etcd-tls");
      assertThat(env(operator(chart))).containsEntry("TETHER_ETCD_CA_FILE", "/etc/tether/etcd-tls/ca.crt")
          .containsEntry("TETHER_ETCD_ENDPOINTS", "https://10.0.0.100:2379");
      assertThat(operator(chart).getVolumes()).filteredOn(v -> v.getSecret() != null)
          .extracting(v -> v.getSecret().getSecretName()).containsExactly("tether-operator-etcd-tls");
    }

    @Test
    void offItIsPlaintextAgain() {
      RenderedChart chart = CHART.render("tether-operator", NS, "-f", ValuesFiles.path(ValuesFiles.QUICKSTART),
          "--set", "etcd.quickstart.tls.enabled=false");
      assertThat(chart.all(Secret.class)).noneMatch(x -> x.getMetadata().getName().endsWith("-tls"));
      assertThat(env(operator(chart))).doesNotContainKey("TETHER_ETCD_CA_FILE");
      assertThat(env(operator(chart)).get("TETHER_ETCD_ENDPOINTS")).startsWith("http://");
      assertThat(chart.one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0).getCommand())
          .contains("--listen-client-urls=http://0.0.0.0:2379").noneMatch(a -> a.startsWith("--cert-file"));
    }
  }

  @Nested
  class MetricsNetworkPolicy {
    @Test
    void offByDefault() {
      assertThat(DEFAULTS.all(NetworkPolicy.class)).isEmpty();
    }

    @Test
    void admitsTheScraperAndTheHelmTestPodOnPort8080() {
      RenderedChart chart = CHART.render("tether-operator", NS, "--set", "metrics.networkPolicy.enabled=true",
          "--set", "metrics.networkPolicy.scraperPodSelector.app=prometheus",
          "--set", "metrics.networkPolicy.scraperNamespaceSelector.team=monitoring");
      NetworkPolicy policy = chart.one(NetworkPolicy.class);
      assertThat(policy.getSpec().getPodSelector().getMatchLabels())
          .isEqualTo(chart.one(Deployment.class).getSpec().getSelector().getMatchLabels());
      var rule = policy.getSpec().getIngress().get(0);
      assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(8080));
      assertThat(rule.getFrom().get(0).getPodSelector().getMatchLabels()).containsExactly(Map.entry("app", "prometheus"));
      assertThat(rule.getFrom().get(0).getNamespaceSelector().getMatchLabels())
          .containsExactly(Map.entry("team", "monitoring"));
      Map<String, String> testPod = testPod(chart).getMetadata().getLabels();
      assertThat(testPod).containsAllEntriesOf(rule.getFrom().get(1).getPodSelector().getMatchLabels());
    }
  }

  /** The {@code helm test} pod, templates/tests/operator-answers.yaml. */
  @Nested
  class TestHook {
    @Test
    void isAHelmTestThatLeavesNothingBehindWhenItPasses() {
      Pod test = testPod(DEFAULTS);
      assertThat(test.getMetadata().getAnnotations()).containsEntry("helm.sh/hook", "test");
      assertThat(test.getMetadata().getAnnotations().get("helm.sh/hook-delete-policy").split(","))
          .containsExactlyInAnyOrder("before-hook-creation", "hook-succeeded");
      assertThat(test.getSpec().getRestartPolicy()).isEqualTo("Never");
      assertThat(test.getSpec().getActiveDeadlineSeconds()).isPositive();
      assertThat(test.getMetadata().getName()).isEqualTo("tether-operator-operator-answers");
    }

    @Test
    void asksTheOperatorsMetricsServiceForReadyz() {
      Service service = DEFAULTS.one(Service.class);
      Container check = testPod(DEFAULTS).getSpec().getContainers().get(0);
      assertThat(check.getCommand()).hasSize(3).startsWith("bash", "-c");
      String script = check.getCommand().get(2);
      String env = OperatorAnswersTest.serviceEnvPrefix(service.getMetadata().getName());
      Container operator = operator(DEFAULTS).getContainers().get(0);
      assertThat(script)
          .contains("${" + env + "_SERVICE_HOST:-" + service.getMetadata().getName() + "." + NS + ".svc}")
          .contains("${" + env + "_SERVICE_PORT_HTTP_METRICS:-" + service.getSpec().getPorts().get(0).getPort() + "}")
          .contains("GET " + operator.getReadinessProbe().getHttpGet().getPath() + " HTTP/1.1");
      assertThat(service.getSpec().getPorts().get(0).getName()).isEqualTo("http-metrics");
    }

    @Test
    void runsTheOperatorImageRestrictedAndWithoutAToken() {
      for (RenderedChart chart : List.of(DEFAULTS, PRODUCTION)) {
        PodSpec test = testPod(chart).getSpec();
        assertRestricted(test);
        Container operator = operator(chart).getContainers().get(0);
        assertThat(test.getContainers()).singleElement().satisfies(check -> {
          assertThat(check.getImage()).isEqualTo(operator.getImage());
          assertThat(check.getImagePullPolicy()).isEqualTo(operator.getImagePullPolicy());
          assertThat(check.getResources().getLimits()).containsKey("memory");
        });
        assertThat(test.getAutomountServiceAccountToken()).isFalse();
        assertThat(test.getServiceAccountName()).isNull();
        assertThat(test.getVolumes()).isNullOrEmpty();
      }
    }

    @Test
    void followsTheOperatorsImageSettings() {
      RenderedChart chart = CHART.render("tether-operator", NS, "--set", "image.tag=1.2.3",
          "--set", "image.pullPolicy=Never", "--set", "imagePullSecrets[0].name=regcred");
      PodSpec test = testPod(chart).getSpec();
      assertThat(test.getContainers().get(0).getImage()).isEqualTo("ghcr.io/tether-dev/tether-operator:1.2.3");
      assertThat(test.getContainers().get(0).getImagePullPolicy()).isEqualTo("Never");
      assertThat(test.getImagePullSecrets()).singleElement()
          .satisfies(secret -> assertThat(secret.getName()).isEqualTo("regcred"));
    }

    @Test
    void isNeitherBehindTheOperatorsServiceNorInItsDisruptionBudget() {
      Map<String, String> labels = testPod(DEFAULTS).getMetadata().getLabels();
      assertThat(labels).containsEntry("app.kubernetes.io/component", "test");
      assertThat(labels.entrySet().containsAll(DEFAULTS.one(Service.class).getSpec().getSelector().entrySet()))
          .as("selected by the metrics Service").isFalse();
      assertThat(labels.entrySet().containsAll(
          DEFAULTS.one(Deployment.class).getSpec().getSelector().getMatchLabels().entrySet()))
          .as("selected by the Deployment and the PodDisruptionBudget").isFalse();
    }
  }

  @Test
  void everyObjectCarriesTheStandardLabels() {
    assertThat(DEFAULTS.objects()).isNotEmpty().allSatisfy(o -> assertThat(o.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/name", "tether-operator")
        .containsEntry("app.kubernetes.io/instance", "tether-operator")
        .containsEntry("app.kubernetes.io/version", "0.1.0")
        .containsEntry("app.kubernetes.io/managed-by", "Helm")
        .containsEntry("helm.sh/chart", "tether-operator-0.1.0"));
  }

  @Test
  void namespacedObjectsNameTheirNamespace() {
    assertThat(DEFAULTS.objects())
        .filteredOn(o -> !(o instanceof ClusterRole || o instanceof ClusterRoleBinding))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind()).isNotBlank());
  }

  // --- helpers

  /** The restricted Pod Security Standard, for the pod and each of its containers. */
  static void assertRestricted(PodSpec pod) {
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getContainers()).isNotEmpty().allSatisfy(container -> {
      var sc = container.getSecurityContext();
      assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
      assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
      assertThat(sc.getRunAsNonRoot()).isTrue();
      assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    });
  }

  static Pod testPod(RenderedChart chart) {
    return chart.one(Pod.class);
  }

  static OperatorSettings settings(RenderedChart chart) {
    return OperatorSettings.fromEnv(ChartOperator.environment(chart, "tether-operator-0"));
  }

  @Nested
  class Images {
    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

    @Test
    void byTagUnlessADigestPinsThem() {
      assertThat(operator(DEFAULTS).getContainers().get(0).getImage()).matches("ghcr\\.io/tether-dev/tether-operator:.+");
      RenderedChart pinned = CHART.render("tether-operator", NS, "--set", "image.digest=" + DIGEST,
          "--set", "image.tag=ignored", "--set", "etcd.quickstart.enabled=true",
          "--set", "etcd.quickstart.image.digest=" + DIGEST);
      String operatorImage = "ghcr.io/tether-dev/tether-operator@" + DIGEST;
      assertThat(operator(pinned).getContainers().get(0).getImage()).isEqualTo(operatorImage);
      assertThat(env(operator(pinned))).as("the supervisor defaults to the same pinned image")
          .containsEntry("TETHER_SUPERVISOR_IMAGE", operatorImage);
      assertThat(pinned.all(Pod.class)).as("helm test").isNotEmpty()
          .allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(operatorImage));
      assertThat(pinned.one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
          .isEqualTo("quay.io/coreos/etcd@" + DIGEST);
    }
  }

  static PodSpec operator(RenderedChart chart) {
    return chart.one(Deployment.class).getSpec().getTemplate().getSpec();
  }

  /** Env of the operator container; references rendered as fieldRef:path or secret:name/key. */
  static Map<String, String> env(PodSpec pod) {
    return pod.getContainers().get(0).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> {
      if (e.getValueFrom() == null) {
        return e.getValue() == null ? "" : e.getValue();
      }
      if (e.getValueFrom().getFieldRef() != null) {
        return "fieldRef:" + e.getValueFrom().getFieldRef().getFieldPath();
      }
      var secret = e.getValueFrom().getSecretKeyRef();
      return "secret:" + secret.getName() + "/" + secret.getKey();
    }));
  }

  static boolean grants(List<PolicyRule> rules, String group, String resource) {
    return rules.stream().anyMatch(RenderedRbac.grantsOn(group, resource));
  }

  static List<String> verbs(List<PolicyRule> rules, String group, String resource) {
    return rules.stream().filter(RenderedRbac.grantsOn(group, resource))
        .flatMap(r -> r.getVerbs().stream()).distinct().toList();
  }

  static List<PolicyRule> allClusterRules(RenderedChart chart) {
    return chart.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()).toList();
  }

  static Optional<ClusterRole> clusterRoleGranting(RenderedChart chart, String group, String resource) {
    return chart.find(ClusterRole.class, r -> grants(r.getRules(), group, resource));
  }

  /** "namespace/name" of the ServiceAccounts bound to this role. */
  static List<String> boundTo(RenderedChart chart, HasMetadata role) {
    Function<io.fabric8.kubernetes.api.model.rbac.Subject, String> id = s -> s.getNamespace() + "/" + s.getName();
    if (role instanceof ClusterRole) {
      return chart.all(ClusterRoleBinding.class).stream()
          .filter(b -> b.getRoleRef().getName().equals(role.getMetadata().getName()))
          .flatMap(b -> b.getSubjects().stream()).map(id).toList();
    }
    return chart.all(RoleBinding.class).stream()
        .filter(b -> b.getRoleRef().getName().equals(role.getMetadata().getName())
            && b.getMetadata().getNamespace().equals(role.getMetadata().getNamespace()))
        .flatMap(b -> b.getSubjects().stream()).map(id).toList();
  }

  static List<String> names(List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> o.getMetadata().getName()).toList();
  }
}
