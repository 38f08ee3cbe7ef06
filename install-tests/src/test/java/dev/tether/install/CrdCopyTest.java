package dev.tether.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The chart ships a copy of the CRD; it must not drift from the repository's nor from the generated one. */
class CrdCopyTest {
  private static final TetherChart CHART = TetherChart.locate();

  @Test
  void chartCrdIsByteIdenticalToRepositoryCrd() throws Exception {
    assertThat(Files.readAllBytes(CHART.chartCrd()))
        .as("%s differs from %s: copy it again", CHART.chartCrd(), CHART.repoCrd())
        .isEqualTo(Files.readAllBytes(CHART.repoCrd()));
  }

  @Test
  void repositoryCrdIsTheGeneratedOne() throws Exception {
    try (InputStream generated = getClass().getResourceAsStream("/META-INF/fabric8/" + TetherChart.CRD_FILE)) {
      assertThat(generated).as("generated CRD on the test classpath (tether-api)").isNotNull();
      assertThat(Files.readAllBytes(CHART.repoCrd()))
          .as("%s is stale: regenerate with mvn -pl api package and copy", CHART.repoCrd())
          .isEqualTo(generated.readAllBytes());
    }
  }
}
