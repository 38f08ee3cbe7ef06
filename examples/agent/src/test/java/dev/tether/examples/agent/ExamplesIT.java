package dev.tether.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tether.api.v1alpha1.AgentSession;
import dev.tether.testbed.ControlPlane;
import dev.tether.testbed.Namespaces;
import dev.tether.testbed.SharedControlPlane;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every examples/*.yaml is an AgentSession the real apiserver accepts, and nothing in it is silently dropped. */
class ExamplesIT {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  static ControlPlane controlPlane;
  static String namespace;

  @BeforeAll
  static void controlPlane() {
    controlPlane = SharedControlPlane.get();
    namespace = Namespaces.create(controlPlane.client(), "examples");
  }

  static List<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("examples.dir", "..")))) {
      List<Path> yaml = files.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
      assertThat(yaml).extracting(p -> p.getFileName().toString())
          .contains("agent-session.yaml", "step-agent-session.yaml", "rwx-session.yaml", "suspended-session.yaml");
      return yaml;
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void isAValidAgentSession(Path file) throws IOException {
    JsonNode written = YAML.readTree(file.toFile());
    AgentSession session = YAML.treeToValue(written, AgentSession.class);
    session.getMetadata().setNamespace(namespace);

    AgentSession accepted = controlPlane.client().resource(session).dryRun().create();

    assertThat(accepted.getMetadata().getName()).isEqualTo(written.at("/metadata/name").asText());
    // The apiserver prunes fields the CRD schema does not know: all that was written must come back.
    JsonNode returned = new KubernetesSerialization().convertValue(accepted, JsonNode.class);
    assertContains(returned, written, file.getFileName() + ":");
  }

  private static void assertContains(JsonNode actual, JsonNode expected, String path) {
    if (expected.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        var field = it.next();
        assertThat(actual.has(field.getKey())).as(path + "/" + field.getKey() + " was dropped").isTrue();
        assertContains(actual.get(field.getKey()), field.getValue(), path + "/" + field.getKey());
      }
    } else if (expected.isArray()) {
      assertThat(actual.size()).as(path).isEqualTo(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertContains(actual.get(i), expected.get(i), path + "/" + i);
      }
    } else {
      assertThat(actual.asText()).as(path).isEqualTo(expected.asText());
    }
  }
}
