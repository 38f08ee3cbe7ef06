package dev.tether.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CRD is generated from the Java model; the copies users install must be exactly that. */
class CrdCopiesAreCurrentTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8/agentsessions.tether.dev-v1.yml");

  @ParameterizedTest
  @ValueSource(strings = {"../crds/agentsessions.tether.dev-v1.yml",
      "../helm/tether-operator/crds/agentsessions.tether.dev-v1.yml"})
  void committedCopyMatchesGeneratedCrd(String copy) throws IOException {
    assertThat(Files.readString(Path.of(copy)))
        .as("%s differs from the CRD generated from the model: run hack/update-crds.sh and commit", copy)
        .isEqualTo(Files.readString(GENERATED));
  }
}
