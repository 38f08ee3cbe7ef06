package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The optional Grafana dashboard: its JSON, the ConfigMap that ships it, and the values that switch it on. */
class GrafanaDashboardTest {
  private static final TetherChart CHART = TetherChart.locate();
  private static final String NS = "tether-system";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern METRIC = Pattern.compile("\\b((?:tether|operator_sdk)_[a-z_]+)");
  private static final Pattern GROUPING = Pattern.compile("\\bby \\(([^)]*)\\)");

  @Test
  void everyPanelQueriesPrometheusThroughTheDatasourceVariable() throws IOException {
    JsonNode dashboard = dashboard();
    assertThat(dashboard.path("schemaVersion").asInt()).isEqualTo(39);
    assertThat(dashboard.path("templating").path("list")).anySatisfy(variable -> {
      assertThat(variable.path("name").asText()).isEqualTo("datasource");
      assertThat(variable.path("type").asText()).isEqualTo("datasource");
      assertThat(variable.path("query").asText()).isEqualTo("prometheus");
    });
    List<JsonNode> panels = list(dashboard.path("panels"));
    assertThat(panels).hasSizeGreaterThanOrEqualTo(8);
    assertThat(panels).extracting(p -> p.path("id").asInt()).doesNotHaveDuplicates();
    assertThat(panels).allSatisfy(panel -> {
      assertThat(panel.path("datasource").path("uid").asText()).as(title(panel)).isEqualTo("${datasource}");
      assertThat(list(panel.path("targets"))).as(title(panel)).isNotEmpty()
          .allSatisfy(target -> assertThat(target.path("expr").asText()).as(title(panel)).isNotBlank());
    });
  }

  @Test
  void queriesGroupOnlyByLowCardinalityLabels() throws IOException {
    List<String> groupings = new ArrayList<>();
    for (String expr : expressions()) {
      Matcher by = GROUPING.matcher(expr);
      while (by.find()) {
        for (String label : by.group(1).split(",")) {
          groupings.add(label.trim());
        }
      }
    }
    assertThat(groupings).isNotEmpty().allMatch(Set.of("phase", "reason", "result", "le")::contains);
  }

  @Test
  void operatorMetricsInTheDashboardAreTheOnesTheOperatorPublishes() throws IOException {
    String scrape = OperatorScrape.everyMetric();

    Set<String> operatorMetrics = new TreeSet<>();
    for (String expr : expressions()) {
      METRIC.matcher(expr).results().map(m -> m.group(1))
          .filter(name -> !name.startsWith("tether_supervisor_") && !name.startsWith("operator_sdk_"))
          .forEach(operatorMetrics::add);
    }
    assertThat(operatorMetrics).contains("tether_sessions", "tether_recovery_seconds_bucket",
        "tether_migrations_total", "tether_mass_failure_guard");
    assertThat(operatorMetrics).allSatisfy(name -> assertThat(scrape).containsPattern("(?m)^" + name + "[{ ]"));
  }

  @Test
  void configMapForTheGrafanaSidecarOnlyWhenEnabled() throws IOException {
    assertThat(CHART.render("tether-operator", NS).all(ConfigMap.class)).isEmpty();

    RenderedChart enabled = CHART.render("tether-operator", NS, "--set", "metrics.grafanaDashboard.enabled=true",
        "--set", "metrics.grafanaDashboard.labels.team=platform",
        "--set", "metrics.grafanaDashboard.annotations.grafana_folder=Tether");
    ConfigMap configMap = enabled.one(ConfigMap.class);
    assertThat(configMap.getMetadata().getNamespace()).isEqualTo(NS);
    assertThat(configMap.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1")
        .containsEntry("team", "platform").containsEntry("app.kubernetes.io/name", "tether-operator");
    assertThat(configMap.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Tether");
    assertThat(JSON.readTree(configMap.getData().get("tether.json"))).isEqualTo(dashboard());
  }

  @Test
  void lintsStrictlyWithTheDashboardEnabled() {
    HelmResult result = CHART.lint("--set", "metrics.grafanaDashboard.enabled=true");
    assertThat(result.succeeded()).as(result.stdout() + result.stderr()).isTrue();
    assertThat(result.stdout()).doesNotContain("[WARNING]", "[ERROR]");
  }

  @Test
  void schemaChecksTheDashboardValues() {
    assertThat(CHART.template("t", NS, "--set", "metrics.grafanaDashboard.enabled=true").succeeded()).isTrue();
    HelmResult typo = CHART.template("t", NS, "--set", "metrics.grafanaDashboard.enable=true");
    assertThat(typo.exitCode()).isNotZero();
    assertThat(typo.stderr()).contains("Additional property enable is not allowed");
    HelmResult text = CHART.template("t", NS, "--set", "metrics.grafanaDashboard.enabled=yes");
    assertThat(text.exitCode()).isNotZero();
    assertThat(text.stderr()).contains("metrics.grafanaDashboard.enabled: Invalid type. Expected: boolean");
  }

  private static JsonNode dashboard() throws IOException {
    return JSON.readTree(Files.readString(CHART.dir().resolve("dashboards/tether.json")));
  }

  private static List<String> expressions() throws IOException {
    return list(dashboard().path("panels")).stream()
        .flatMap(panel -> list(panel.path("targets")).stream())
        .map(target -> target.path("expr").asText()).toList();
  }

  private static List<JsonNode> list(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).toList();
  }

  private static String title(JsonNode panel) {
    return panel.path("title").asText();
  }
}
