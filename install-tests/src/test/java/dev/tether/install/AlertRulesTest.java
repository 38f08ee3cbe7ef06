package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optional PrometheusRule: rendered only when asked for, over metrics the operator publishes, with the
 * thresholds of the values; and, with promtool, valid rules whose unit tests
 * (src/test/resources/prometheus/tether-alerts.test.yaml) show each alert firing and not firing.
 */
class AlertRulesTest {
  private static final TetherChart CHART = TetherChart.locate();
  private static final String NS = "tether-system";
  private static final String ENABLED = "metrics.prometheusRule.enabled=true";
  private static final String RULE_TESTS = "prometheus/tether-alerts.test.yaml";
  /** The name the unit tests' rule_files give the rendered rules. */
  private static final String RULES_FILE = "tether-alerts.rules.yaml";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Pattern METRIC = Pattern.compile("\\b(tether_[a-z_]+)");

  @Test
  void renderedOnlyWhenEnabled() {
    assertThat(CHART.render("tether-operator", NS).ofKind("PrometheusRule")).isEmpty();
    GenericKubernetesResource rule = prometheusRule(CHART.render("tether-operator", NS, "--set", ENABLED,
        "--set", "metrics.prometheusRule.labels.release=monitoring"));
    assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(rule.getMetadata().getLabels()).containsEntry("release", "monitoring")
        .containsEntry("app.kubernetes.io/instance", "tether-operator");
  }

  @Test
  void lintsStrictlyWithTheRuleEnabled() {
    HelmResult result = CHART.lint("--set", ENABLED);
    assertThat(result.succeeded()).as(result.stdout() + result.stderr()).isTrue();
    assertThat(result.stdout()).doesNotContain("[WARNING]", "[ERROR]");
  }

  @Test
  void everyAlertSaysWhatHappenedAndLinksItsRunbook() throws IOException {
    String docs = Files.readString(CHART.repoRoot().resolve("docs/install.md"));
    List<Map<String, Object>> rules = rules(CHART.render("tether-operator", NS, "--set", ENABLED));
    assertThat(rules).extracting(rule -> rule.get("alert")).containsExactly("TetherSessionFailed",
        "TetherMigrationStuck", "TetherMassFailureGuardEngaged", "TetherCheckpointStale", "TetherRecoveryP99High");
    for (Map<String, Object> rule : rules) {
      String alert = (String) rule.get("alert");
      assertThat(map(rule, "labels")).as(alert).containsKey("severity");
      Map<String, Object> annotations = map(rule, "annotations");
      assertThat(annotations).as(alert).containsOnlyKeys("summary", "description", "runbook_url");
      assertThat(annotations.get("runbook_url")).as(alert).isEqualTo(
          "https://github.com/tether-dev/tether/blob/main/docs/install.md#" + alert.toLowerCase(Locale.ROOT));
      assertThat(docs).as("a heading in docs/install.md for the runbook anchor of " + alert)
          .containsPattern("(?m)^#+ " + alert + "$");
    }
  }

  @Test
  void alertsReadOnlyMetricsTheOperatorPublishes() {
    String scrape = OperatorScrape.everyMetric();
    Set<String> metrics = new TreeSet<>();
    for (Map<String, Object> rule : rules(CHART.render("tether-operator", NS, "--set", ENABLED))) {
      METRIC.matcher((String) rule.get("expr")).results().map(m -> m.group(1)).forEach(metrics::add);
    }
    assertThat(metrics).containsExactlyInAnyOrder("tether_sessions", "tether_mass_failure_guard",
        "tether_checkpoint_age_max_seconds", "tether_recovery_seconds_bucket");
    assertThat(metrics).allSatisfy(name -> assertThat(scrape).containsPattern("(?m)^" + name + "[{ ]"));
  }

  @Test
  void thresholdsSeveritiesAndRunbooksComeFromTheValues() {
    String prefix = "metrics.prometheusRule.";
    Map<String, Map<String, Object>> rules = byAlert(rules(CHART.render("tether-operator", NS, "--set", ENABLED,
        "--set", prefix + "runbookUrl=https://wiki.example.com/tether",
        "--set", prefix + "alerts.sessionFailed.severity=page",
        "--set", prefix + "alerts.migrationStuck.for=30m",
        "--set", prefix + "alerts.massFailureGuard.for=0s",
        "--set", prefix + "alerts.checkpointAge.thresholdSeconds=3600",
        "--set", prefix + "alerts.checkpointAge.for=15m",
        "--set", prefix + "alerts.recoveryP99.targetSeconds=20",
        "--set", prefix + "alerts.recoveryP99.window=6h")));
    assertThat(map(rules.get("TetherSessionFailed"), "labels")).containsEntry("severity", "page");
    assertThat(map(rules.get("TetherSessionFailed"), "annotations"))
        .containsEntry("runbook_url", "https://wiki.example.com/tether#tethersessionfailed");
    assertThat(rules.get("TetherMigrationStuck")).containsEntry("for", "30m");
    assertThat(rules.get("TetherMassFailureGuardEngaged")).containsEntry("for", "0s");
    assertThat(rules.get("TetherCheckpointStale")).containsEntry("for", "15m");
    assertThat((String) rules.get("TetherCheckpointStale").get("expr")).endsWith("> 3600");
    assertThat((String) rules.get("TetherRecoveryP99High").get("expr"))
        .contains("rate(tether_recovery_seconds_bucket[6h])").endsWith("> 20");
  }

  @Test
  void promtoolAcceptsTheRules(@TempDir Path dir) throws IOException {
    Promtool promtool = Promtool.locateOrSkip();
    int count = writeRules(dir);
    Promtool.Result result = promtool.run(dir, "check", "rules", RULES_FILE);
    assertThat(result.succeeded()).as(result.describe()).isTrue();
    assertThat(result.output()).as(result.describe()).contains("SUCCESS: " + count + " rules found");
  }

  @Test
  void promtoolUnitTestsPassAndCoverEveryAlertFiringAndNot(@TempDir Path dir) throws IOException {
    Promtool promtool = Promtool.locateOrSkip();
    writeRules(dir);
    Path tests = dir.resolve("tether-alerts.test.yaml");
    try (InputStream in = AlertRulesTest.class.getResourceAsStream("/" + RULE_TESTS)) {
      assertThat(in).as(RULE_TESTS).isNotNull();
      Files.copy(in, tests);
    }
    Promtool.Result result = promtool.run(dir, "test", "rules", tests.getFileName().toString());
    assertThat(result.succeeded()).as(result.describe()).isTrue();
    assertThat(result.output()).as(result.describe()).contains("SUCCESS");

    Set<String> alerts = byAlert(rules(CHART.render("tether-operator", NS, "--set", ENABLED))).keySet();
    List<Map<String, Object>> checks = list(SERIALIZATION.unmarshal(Files.readString(tests), Map.class), "tests")
        .stream().flatMap(test -> list(test, "alert_rule_test").stream()).toList();
    assertThat(alertsChecked(checks, true)).as("alerts shown firing").containsExactlyInAnyOrderElementsOf(alerts);
    assertThat(alertsChecked(checks, false)).as("alerts shown not firing").containsExactlyInAnyOrderElementsOf(alerts);
  }

  /** Writes the rule groups of the rendered PrometheusRule as a Prometheus rules file; returns the rule count. */
  private static int writeRules(Path dir) throws IOException {
    GenericKubernetesResource rule = prometheusRule(CHART.render("tether-operator", NS, "--set", ENABLED));
    Object groups = map(rule.getAdditionalProperties(), "spec").get("groups");
    Files.writeString(dir.resolve(RULES_FILE), SERIALIZATION.asYaml(Map.of("groups", groups)));
    return rules(rule).size();
  }

  private static Set<Object> alertsChecked(List<Map<String, Object>> checks, boolean firing) {
    return checks.stream()
        .filter(check -> list(check, "exp_alerts").isEmpty() != firing)
        .map(check -> check.get("alertname"))
        .collect(Collectors.toSet());
  }

  private static GenericKubernetesResource prometheusRule(RenderedChart chart) {
    assertThat(chart.ofKind("PrometheusRule")).hasSize(1);
    return (GenericKubernetesResource) chart.ofKind("PrometheusRule").get(0);
  }

  private static List<Map<String, Object>> rules(RenderedChart chart) {
    return rules(prometheusRule(chart));
  }

  private static List<Map<String, Object>> rules(GenericKubernetesResource rule) {
    return list(map(rule.getAdditionalProperties(), "spec"), "groups").stream()
        .flatMap(group -> list(group, "rules").stream()).toList();
  }

  private static Map<String, Map<String, Object>> byAlert(List<Map<String, Object>> rules) {
    return rules.stream().collect(Collectors.toMap(rule -> (String) rule.get("alert"), rule -> rule));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<?, ?> parent, String key) {
    return (Map<String, Object>) parent.get(key);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<?, ?> parent, String key) {
    Object value = parent.get(key);
    return value == null ? List.of() : (List<Map<String, Object>>) value;
  }
}
