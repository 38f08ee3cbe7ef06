package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart's README (what Artifact Hub shows) documents every value of values.yaml: one row per documented
 * value ({@link ChartValues}) with its default as JSON and its {@code # --} comment as the description, and
 * no row for a value that does not exist. A failure lists the rows to put in the table.
 */
class ChartReadmeTest {
  private static final TetherChart CHART = TetherChart.locate();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ChartValues VALUES = ChartValues.of(CHART);
  private static final Path README = CHART.dir().resolve("README.md");
  private static final List<MarkdownDoc.Row> TABLE = MarkdownDoc.of(README).tableAfter("Values");

  @Test
  void everyValueHasARowWithItsDefault() {
    Map<String, MarkdownDoc.Row> rows = rowsByKey();
    List<String> missing = new ArrayList<>();
    List<String> wrongDefault = new ArrayList<>();
    VALUES.values().forEach((path, value) -> {
      MarkdownDoc.Row row = rows.get(path);
      if (row == null) {
        missing.add(VALUES.row(path));
      } else if (!value.equals(parseDefault(row).orElse(null))) {
        wrongDefault.add("line " + row.line() + ": " + row.cells().get(1) + " but values.yaml has `" + value
            + "`");
      }
    });
    assertSoftly(softly -> {
      softly.assertThat(missing).as("values without a row in %s; add:", README).isEmpty();
      softly.assertThat(wrongDefault).as("defaults in %s that differ from values.yaml", README).isEmpty();
    });
  }

  @Test
  void everyRowNamesAValue() {
    List<String> unknown = rowsByKey().entrySet().stream()
        .filter(row -> !VALUES.values().containsKey(row.getKey()))
        .map(row -> "line " + row.getValue().line() + ": `" + row.getKey() + "`"
            + (VALUES.at(row.getKey()).isMissingNode() ? " is not in values.yaml" : " is part of a documented map"))
        .toList();
    assertThat(unknown).as("rows of %s that name no value of values.yaml", README).isEmpty();
  }

  @Test
  void rowsAreKeyDefaultAndDescriptionAndNoKeyIsListedTwice() {
    assertThat(TABLE).as("the values table of %s", README).isNotEmpty().allSatisfy(row -> {
      assertThat(row.cells()).as("line %d", row.line()).hasSize(3);
      assertThat(row.cells().get(0)).as("line %d: the key in backquotes", row.line()).matches("`[^`]+`");
      assertThat(row.cells().get(1)).as("line %d: the default as JSON in backquotes", row.line()).matches("`[^`]+`");
    });
    Map<String, Long> counts =
        TABLE.stream().collect(Collectors.groupingBy(ChartReadmeTest::key, Collectors.counting()));
    assertThat(counts).as("keys listed more than once").allSatisfy((key, count) -> assertThat(count).as(key).isOne());
  }

  /** The values.yaml comments are the descriptions: the README says what values.yaml says. */
  @Test
  void everyValueIsDescribedInValuesYamlAndTheRowSaysTheSame() {
    assertThat(VALUES.values().keySet()).as("values without a `# --` comment in values.yaml")
        .allSatisfy(path -> assertThat(VALUES.descriptions()).containsKey(path));
    Map<String, MarkdownDoc.Row> rows = rowsByKey();
    List<String> differ = VALUES.values().keySet().stream()
        .filter(path -> rows.containsKey(path) && VALUES.descriptions().containsKey(path))
        .filter(path -> !rows.get(path).cells().get(2).equals(VALUES.descriptions().get(path)))
        .map(path -> "line " + rows.get(path).line() + ", should be: " + VALUES.row(path))
        .toList();
    assertThat(differ).as("descriptions in %s that differ from the values.yaml comment", README).isEmpty();
  }

  /** Guards the comment reader: a comment it files under a path that does not exist was misread. */
  @Test
  void everyValuesYamlCommentBelongsToAKey() {
    assertThat(VALUES.descriptions().keySet()).isNotEmpty()
        .allSatisfy(path -> assertThat(VALUES.at(path).isMissingNode()).as(path).isFalse());
  }

  /** GitHub and Artifact Hub drop what looks like an HTML tag, and a bar splits a table cell. */
  @Test
  void descriptionsRenderAsWritten() {
    assertThat(VALUES.descriptions()).allSatisfy((path, text) -> {
      String outsideCode = text.replaceAll("`[^`]*`", "");
      assertThat(outsideCode).as("%s: `<` or `|` outside backquotes", path).doesNotContain("<", "|");
    });
  }

  @Test
  void linksIntoTheRepositoryResolve() {
    MarkdownDoc readme = MarkdownDoc.of(README);
    assertThat(readme.links()).as("links of %s", README)
        .contains(MarkdownDoc.REPO_URL + "/blob/main/docs/install.md",
            MarkdownDoc.REPO_URL + "/blob/main/docs/failover.md",
            MarkdownDoc.REPO_URL + "/blob/main/docs/security.md");
    assertThat(readme.links().stream().map(url -> MarkdownDoc.brokenRepoLink(CHART.repoRoot(), url))
        .flatMap(Optional::stream)).isEmpty();
    assertThat(readme.links()).as("relative links break on Artifact Hub")
        .allSatisfy(url -> assertThat(url).matches("(https://|#).*"));
  }

  @Test
  void theInstallGuideLinksToTheTableInsteadOfKeepingItsOwn() {
    MarkdownDoc install = MarkdownDoc.of(CHART.repoRoot().resolve("docs/install.md"));
    assertThat(install.links()).contains("../helm/tether-operator/README.md#values");
    assertThat(MarkdownDoc.of(README).anchors()).contains("values");
  }

  private static Map<String, MarkdownDoc.Row> rowsByKey() {
    Map<String, MarkdownDoc.Row> rows = new LinkedHashMap<>();
    for (MarkdownDoc.Row row : TABLE) {
      rows.putIfAbsent(key(row), row);
    }
    return rows;
  }

  private static String key(MarkdownDoc.Row row) {
    return row.cells().get(0).replace("`", "");
  }

  private static Optional<JsonNode> parseDefault(MarkdownDoc.Row row) {
    if (row.cells().size() < 2) {
      return Optional.empty();
    }
    String cell = row.cells().get(1);
    try {
      return Optional.of(JSON.readTree(cell.substring(1, cell.length() - 1)));
    } catch (JsonProcessingException | StringIndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }
}
