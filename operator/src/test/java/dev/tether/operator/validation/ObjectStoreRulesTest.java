package dev.tether.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.v1alpha1.ObjectStoreSpec;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import java.util.stream.Stream;

class ObjectStoreRulesTest {
  private static ObjectStoreSpec valid() {
    ObjectStoreSpec spec = new ObjectStoreSpec();
    spec.setEndpoint("https://s3.eu-central-1.amazonaws.com");
    spec.setBucket("agent-checkpoints");
    spec.setCredentialsSecret("s3-creds");
    return spec;
  }

  @Test
  void aCompleteSpecPasses() {
    assertThat(ObjectStoreRules.check(valid(), "spec.checkpoint.objectStore")).isEmpty();
    assertThat(ObjectStoreRules.check(null, "spec.checkpoint.objectStore")).isEmpty();
  }

  static Stream<Arguments> broken() {
    return Stream.of(
        Arguments.of("no endpoint", (Consumer<ObjectStoreSpec>) s -> s.setEndpoint(null), ".endpoint is required"),
        Arguments.of("ftp endpoint", (Consumer<ObjectStoreSpec>) s -> s.setEndpoint("ftp://x"), "http:// or https://"),
        Arguments.of("user info", (Consumer<ObjectStoreSpec>) s -> s.setEndpoint("https://a:b@s3"), "user info"),
        Arguments.of("upper-case bucket", (Consumer<ObjectStoreSpec>) s -> s.setBucket("Bucket"), "S3 bucket name"),
        Arguments.of("dotted bucket", (Consumer<ObjectStoreSpec>) s -> s.setBucket("a..b"), "S3 bucket name"),
        Arguments.of("escaping prefix", (Consumer<ObjectStoreSpec>) s -> s.setPrefix("../other"), ".prefix"),
        Arguments.of("lag too short", (Consumer<ObjectStoreSpec>) s -> s.setMaxLag("500ms"), ".maxLag 500ms must be"),
        Arguments.of("lag too long", (Consumer<ObjectStoreSpec>) s -> s.setMaxLag("2h"), ".maxLag 2h must be"),
        Arguments.of("no credentials", (Consumer<ObjectStoreSpec>) s -> s.setCredentialsSecret(""), "credentialsSecret"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("broken")
  void eachProblemIsNamed(String name, Consumer<ObjectStoreSpec> breakIt, String expected) {
    ObjectStoreSpec spec = valid();
    breakIt.accept(spec);
    assertThat(ObjectStoreRules.check(spec, "spec.checkpoint.objectStore")).singleElement().asString()
        .startsWith("spec.checkpoint.objectStore").contains(expected);
  }
}
