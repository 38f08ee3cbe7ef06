package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad values fail at install time, with a message that names the key and what is wrong with it. */
class ValuesSchemaTest {
  private static final TetherChart CHART = TetherChart.locate();

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "detectionTimeout|fast|detectionTimeout: Does not match pattern '^([0-9]+(ms|s|m|h))+$'",
      "detectionTimeout|20|detectionTimeout: Invalid type. Expected: string, given: integer",
      "massFailureThreshold|1.5|massFailureThreshold: Does not match pattern",
      "massFailureThreshold|0|massFailureThreshold: Must be greater than 0",
      "migrationsPerSecond|0|migrationsPerSecond: Must be greater than or equal to 1",
      "replicaCount|0|replicaCount: Must be greater than or equal to 1",
      "image.pullPolicy|Sometimes|image.pullPolicy: image.pullPolicy must be one of the following: \"Always\", \"IfNotPresent\", \"Never\"",
      "watchNamespaces[0]|Agents_A|watchNamespaces.0: Does not match pattern",
      "etcd.endpoints[0]|etcd:2379|etcd.endpoints.0: Does not match pattern",
      "fencing.allowOutOfServiceTaint|yes|fencing.allowOutOfServiceTaint: Invalid type. Expected: boolean, given: string",
      "fencing.allowVolumeAttachmentDelete|1|fencing.allowVolumeAttachmentDelete: Invalid type. Expected: boolean, given: integer",
      "metrics.prometheusRule.enabled|yes|metrics.prometheusRule.enabled: Invalid type. Expected: boolean, given: string",
      "metrics.prometheusRule.alerts.migrationStuck.for|ten|metrics.prometheusRule.alerts.migrationStuck.for: Does not match pattern",
      "metrics.prometheusRule.alerts.checkpointAge.thresholdSeconds|0|metrics.prometheusRule.alerts.checkpointAge.thresholdSeconds: Must be greater than 0",
      "metrics.prometheusRule.runbookUrl|wiki|metrics.prometheusRule.runbookUrl: Does not match pattern",
  })
  void rejectsBadValueWithClearMessage(String key, String value, String message) {
    HelmResult result = CHART.template("t", "tether-system", "--set", key + "=" + value);
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr())
        .contains("values don't meet the specifications of the schema")
        .contains(message);
  }

  @Test
  void moreThanOneReplicaNeedsLeaderElection() {
    HelmResult result = CHART.template("t", "tether-system", "--set", "replicaCount=2",
        "--set", "leaderElection.enabled=false");
    assertThat(result.exitCode()).as("two active operators would both decide").isNotZero();
    assertThat(result.stderr()).contains("leaderElection.enabled");
    assertThat(CHART.template("t", "tether-system", "--set", "replicaCount=2").succeeded()).isTrue();
    assertThat(CHART.template("t", "tether-system", "--set", "replicaCount=1", "--set", "leaderElection.enabled=false")
        .succeeded()).as("a single replica may run without").isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "massFailureThreshold=1.5|massFailureThreshold: Must be less than or equal to 1",
      "watchNamespaces=\"agents\"|watchNamespaces: Invalid type. Expected: array, given: string",
  })
  void rejectsBadJsonValueWithClearMessage(String assignment, String message) {
    HelmResult result = CHART.template("t", "tether-system", "--set-json", assignment);
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains(message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.3", ".25", "1"})
  void acceptsThresholdsGivenAsText(String threshold) {
    HelmResult result = CHART.template("t", "tether-system", "--set", "massFailureThreshold=" + threshold);
    assertThat(result.succeeded()).as(result.stderr()).isTrue();
    assertThat(result.stdout()).contains("value: \"" + threshold + "\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"colour=blue", "image.registry=ghcr.io", "etcd.quickstart.replicas=3", "fencing.force=true",
      "metrics.prometheusRule.enable=true", "metrics.prometheusRule.alerts.sessionFailed.threshold=1"})
  void rejectsUnknownKeys(String assignment) {
    String key = assignment.substring(0, assignment.indexOf('='));
    String leaf = key.substring(key.lastIndexOf('.') + 1);
    HelmResult result = CHART.template("t", "tether-system", "--set", assignment);
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("Additional property " + leaf + " is not allowed");
  }

  /** The operator copies supervisor.securityContext into every session pod: it must not reach the node. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"privileged\":true}|supervisor.securityContext.privileged: supervisor.securityContext.privileged does not match: false",
      "{\"allowPrivilegeEscalation\":true}|supervisor.securityContext.allowPrivilegeEscalation: supervisor.securityContext.allowPrivilegeEscalation does not match: false",
      "{\"capabilities\":{\"add\":[\"NET_ADMIN\"]}}|supervisor.securityContext.capabilities.add: Array must have at most 0 items",
      "{\"runAsUser\":0}|supervisor.securityContext.runAsUser: Must be greater than or equal to 1",
      "{\"runAsNonRoot\":false}|supervisor.securityContext.runAsNonRoot: supervisor.securityContext.runAsNonRoot does not match: true",
      "{\"seccompProfile\":{\"type\":\"Unconfined\"}}|supervisor.securityContext.seccompProfile.type: supervisor.securityContext.seccompProfile.type must be one of the following",
      "{\"privilegd\":true}|Additional property privilegd is not allowed",
  })
  void theSupervisorsSecurityContextCannotReachTheNode(String securityContext, String message) {
    HelmResult result = CHART.template("t", "tether-system", "--set-json", "supervisor.securityContext=" + securityContext);
    assertThat(result.exitCode()).as(result.stdout()).isNotZero();
    assertThat(result.stderr()).contains("values don't meet the specifications of the schema").contains(message);
  }

  @Test
  void httpsEndpointsNeedTheCaThatVerifiesThem() {
    HelmResult without = CHART.template("t", "tether-system", "--set", "etcd.endpoints[0]=https://etcd:2379");
    assertThat(without.exitCode()).isNotZero();
    assertThat(without.stderr()).contains("etcd.tls.existingSecret: String length must be greater than or equal to 1");
    HelmResult blank = CHART.template("t", "tether-system", "--set", "etcd.endpoints[0]=http://etcd-0:2379",
        "--set", "etcd.endpoints[1]=https://etcd-1:2379", "--set", "etcd.tls.existingSecret=");
    assertThat(blank.exitCode()).as("one https endpoint among others is enough").isNotZero();
    assertThat(blank.stderr()).contains("etcd.tls.existingSecret: String length must be greater than or equal to 1");
    assertThat(CHART.template("t", "tether-system", "--set", "etcd.endpoints[0]=https://etcd:2379",
        "--set", "etcd.tls.existingSecret=etcd-ca").succeeded()).isTrue();
    assertThat(CHART.template("t", "tether-system", "--set", "etcd.endpoints[0]=http://etcd:2379").succeeded())
        .as("plain http needs no CA").isTrue();
    assertThat(CHART.template("t", "tether-system", "--set", "etcd.quickstart.enabled=true").succeeded())
        .as("the quickstart etcd brings its own CA").isTrue();
  }

  @Test
  void theQuickstartEtcdAndExplicitEndpointsExcludeEachOther() {
    HelmResult both = CHART.template("t", "tether-system", "--set", "etcd.quickstart.enabled=true",
        "--set", "etcd.endpoints[0]=http://etcd:2379");
    assertThat(both.exitCode()).as("the quickstart etcd would run unused").isNotZero();
    assertThat(both.stderr()).contains("etcd.endpoints: Array must have at most 0 items");
    assertThat(CHART.template("t", "tether-system", "--set", "etcd.quickstart.enabled=false",
        "--set", "etcd.endpoints[0]=http://etcd:2379").succeeded()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"image.digest", "etcd.quickstart.image.digest"})
  void aDigestIsSha256AndSixtyFourHexDigits(String key) {
    for (String bad : new String[] {"latest", "sha256:abc", "sha512:" + "a".repeat(64), "sha256:" + "A".repeat(64)}) {
      HelmResult result = CHART.template("t", "tether-system", "--set", key + "=" + bad);
      assertThat(result.exitCode()).as(bad).isNotZero();
      assertThat(result.stderr()).contains(key + ": Does not match pattern");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"500ms", "20s", "1m30s", "2h"})
  void acceptsDurations(String duration) {
    HelmResult result = CHART.template("t", "tether-system", "--set", "detectionTimeout=" + duration);
    assertThat(result.succeeded()).as(result.stderr()).isTrue();
    assertThat(result.stdout()).contains("value: \"" + duration + "\"");
  }
}
