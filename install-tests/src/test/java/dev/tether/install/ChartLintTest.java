package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ChartLintTest {
  private static final TetherChart CHART = TetherChart.locate();

  @Test
  void lintsWithDefaultValues() {
    HelmResult result = CHART.lint();
    assertThat(result.succeeded()).as(result.stdout() + result.stderr()).isTrue();
    assertThat(result.stdout()).contains("0 chart(s) failed").doesNotContain("[WARNING]", "[ERROR]");
  }

  static List<String> valuesFiles() throws Exception {
    return ValuesFiles.all();
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void lintsWithExampleValues(String valuesFile) {
    HelmResult result = CHART.lint("-f", ValuesFiles.path(valuesFile));
    assertThat(result.succeeded()).as(result.stdout() + result.stderr()).isTrue();
    assertThat(result.stdout()).doesNotContain("[WARNING]", "[ERROR]");
  }
}
