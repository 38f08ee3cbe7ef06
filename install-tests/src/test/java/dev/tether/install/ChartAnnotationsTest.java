package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The Artifact Hub annotations of Chart.yaml say what the chart really ships. */
class ChartAnnotationsTest {
  private static final TetherChart CHART = TetherChart.locate();
  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void imagesAreTheValuesDefaultsAndEveryImageTheChartRuns() throws IOException {
    ChartValues values = ChartValues.of(CHART);
    String tag = values.at("image.tag").asText();
    String operator = values.at("image.repository").asText() + ":"
        + (tag.isEmpty() ? chart().path("appVersion").asText() : tag);
    String etcd = values.at("etcd.quickstart.image.repository").asText() + ":"
        + values.at("etcd.quickstart.image.tag").asText();
    Set<String> annotated = new TreeSet<>();
    for (JsonNode image : annotation("artifacthub.io/images")) {
      assertThat(image.path("name").asText()).as("name of %s", image).isNotBlank();
      annotated.add(image.path("image").asText());
    }
    assertThat(annotated).containsExactlyInAnyOrder(operator, etcd);

    RenderedChart everything = CHART.render("tether-operator", "tether-system",
        "--set", "etcd.quickstart.enabled=true");
    assertThat(images(everything)).isEqualTo(annotated);
  }

  @Test
  void crdsDescribeTheChartsCrd() throws IOException {
    JsonNode crd = YAML.readTree(CHART.chartCrd().toFile());
    String storageVersion = StreamSupport.stream(crd.path("spec").path("versions").spliterator(), false)
        .filter(v -> v.path("storage").asBoolean()).map(v -> v.path("name").asText()).findFirst().orElseThrow();
    assertThat(annotation("artifacthub.io/crds")).singleElement().satisfies(entry -> {
      assertThat(entry.path("kind").asText()).isEqualTo(crd.path("spec").path("names").path("kind").asText());
      assertThat(entry.path("name").asText()).isEqualTo(crd.path("metadata").path("name").asText());
      assertThat(entry.path("version").asText()).isEqualTo(storageVersion);
      assertThat(entry.path("displayName").asText()).isNotBlank();
      assertThat(entry.path("description").asText()).isNotBlank();
    });
  }

  @Test
  void crdsExamplesAreExamplesOfTheRepository() throws IOException {
    JsonNode crd = YAML.readTree(CHART.chartCrd().toFile());
    List<JsonNode> examples = new ArrayList<>();
    try (Stream<Path> files = Files.list(CHART.repoRoot().resolve("examples"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        examples.add(YAML.readTree(file.toFile()));
      }
    }
    assertThat(annotation("artifacthub.io/crdsExamples")).isNotEmpty().allSatisfy(example -> {
      assertThat(example.path("apiVersion").asText())
          .startsWith(crd.path("spec").path("group").asText() + "/");
      assertThat(example.path("kind").asText()).isEqualTo(crd.path("spec").path("names").path("kind").asText());
      assertThat(examples).as("examples/*.yaml").contains(example);
    });
  }

  @Test
  void linksIntoTheRepositoryResolve() throws IOException {
    List<String> urls = new ArrayList<>();
    for (JsonNode link : annotation("artifacthub.io/links")) {
      assertThat(link.path("name").asText()).as("name of %s", link).isNotBlank();
      urls.add(link.path("url").asText());
    }
    assertThat(urls).contains(MarkdownDoc.REPO_URL, MarkdownDoc.REPO_URL + "/blob/main/docs/install.md");
    assertThat(urls.stream().map(url -> MarkdownDoc.brokenRepoLink(CHART.repoRoot(), url))
        .flatMap(Optional::stream)).isEmpty();
    assertThat(chart().path("sources")).extracting(JsonNode::asText).contains(MarkdownDoc.REPO_URL);
  }

  @Test
  void declaresAnOperator() throws IOException {
    assertThat(chart().path("annotations").path("artifacthub.io/operator").asText()).isEqualTo("true");
  }

  private static JsonNode chart() throws IOException {
    return YAML.readTree(CHART.dir().resolve("Chart.yaml").toFile());
  }

  /** An annotation whose value is YAML, as Artifact Hub reads it. */
  private static JsonNode annotation(String name) throws IOException {
    JsonNode text = chart().path("annotations").path(name);
    assertThat(text.isTextual()).as("annotation %s in Chart.yaml", name).isTrue();
    JsonNode value = YAML.readTree(text.asText());
    assertThat(value.isArray()).as("%s is a YAML list", name).isTrue();
    return value;
  }

  /** The images of every container and init container the chart renders, the test pod's included. */
  private static Set<String> images(RenderedChart chart) {
    Set<String> images = new TreeSet<>();
    for (HasMetadata object : chart.objects()) {
      PodSpec pod = object instanceof Deployment d ? d.getSpec().getTemplate().getSpec()
          : object instanceof StatefulSet s ? s.getSpec().getTemplate().getSpec()
          : object instanceof Pod p ? p.getSpec()
          : null;
      if (pod != null) {
        Stream.concat(pod.getContainers().stream(),
                pod.getInitContainers() == null ? Stream.empty() : pod.getInitContainers().stream())
            .map(Container::getImage).forEach(images::add);
      }
    }
    return images;
  }
}
