package dev.tether.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compiles every x-kubernetes-validations rule of the generated CRD with cel-java and evaluates it against
 * objects that must pass and objects that must fail, as an apiserver since 1.25 would at admission. A rule
 * added to the model without a case here fails {@link #everyRuleHasCases()}.
 */
class CelRulesTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8/agentsessions.tether.dev-v1.yml");
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder().setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN).build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  /** A rule as the CRD carries it, with the schema path it sits on. */
  record Rule(String path, String expression, String message) {}

  /** Objects (the value of self at the rule's path) the rule must accept and must refuse. */
  record Cases(List<Object> valid, List<Object> invalid) {}

  private static final Map<String, Cases> CASES = Map.of(
      ".spec.template", new Cases(
          List.of(Map.of(),
              Map.of("spec", Map.of()),
              Map.of("spec", Map.of("restartPolicy", "OnFailure", "nodeName", " ",
                  "containers", List.of(Map.of("name", "agent"), Map.of())))),
          List.of(Map.of("spec", Map.of("restartPolicy", "Always")),
              Map.of("spec", Map.of("nodeName", "node-1")),
              Map.of("spec", Map.of("containers", List.of(Map.of("name", "agent"),
                  Map.of("name", Tether.SUPERVISOR_CONTAINER)))))),
      ".spec.checkpoint", new Cases(
          List.of(Map.of(),
              Map.of("retain", 1L),
              Map.of("retain", 1L, "objectStore", Map.of("mode", "Synchronous")),
              Map.of("retain", 2L, "objectStore", Map.of("mode", "Asynchronous")),
              Map.of("objectStore", Map.of("mode", "Asynchronous"))),
          List.of(Map.of("retain", 1L, "objectStore", Map.of("mode", "Asynchronous")))),
      ".spec.checkpoint.mountPath", new Cases(
          List.of("/var/lib/tether/checkpoints", "/data"),
          List.of("/", "//")));

  private static List<Rule> rules;

  @BeforeAll
  static void readRules() throws Exception {
    JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(GENERATED.toFile());
    rules = new ArrayList<>();
    for (JsonNode version : crd.path("spec").path("versions")) {
      collect(version.path("schema").path("openAPIV3Schema"), "", rules);
    }
  }

  private static void collect(JsonNode schema, String path, List<Rule> into) {
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      into.add(new Rule(path, rule.path("rule").asText(), rule.path("message").asText()));
    }
    schema.path("properties").fields().forEachRemaining(e -> collect(e.getValue(), path + "." + e.getKey(), into));
    if (schema.has("items")) {
      collect(schema.get("items"), path + "[]", into);
    }
  }

  @Test
  void everyRuleHasCases() {
    assertThat(rules).isNotEmpty();
    assertThat(rules.stream().map(Rule::path).collect(Collectors.toSet()))
        .as("every path with x-kubernetes-validations needs cases in CASES, and every case a rule")
        .isEqualTo(CASES.keySet());
    assertThat(rules).allSatisfy(r -> assertThat(r.message()).as("message of %s", r.expression()).isNotBlank());
  }

  @Test
  void validObjectsPassEveryRule() throws Exception {
    for (Rule rule : rules) {
      for (Object self : CASES.get(rule.path()).valid()) {
        assertThat(evaluate(rule, self)).as("%s on %s", rule.expression(), self).isTrue();
      }
    }
  }

  /** Each invalid object breaks exactly one rule at its path; the apiserver would answer with that message. */
  @Test
  void invalidObjectsFailWithTheRulesMessage() throws Exception {
    for (var entry : CASES.entrySet()) {
      List<Rule> atPath = rules.stream().filter(r -> r.path().equals(entry.getKey())).toList();
      for (Object self : entry.getValue().invalid()) {
        List<String> messages = new ArrayList<>();
        for (Rule rule : atPath) {
          if (!evaluate(rule, self)) {
            messages.add(rule.message());
          }
        }
        assertThat(messages).as("rules at %s refusing %s", entry.getKey(), self).hasSize(1);
      }
    }
    assertThat(refusals(".spec.checkpoint", Map.of("retain", 1L, "objectStore", Map.of("mode", "Asynchronous"))))
        .containsExactly("spec.checkpoint.objectStore.mode Asynchronous needs spec.checkpoint.retain >= 2: the "
            + "newest uploaded checkpoint is kept while a newer one waits for its upload");
    assertThat(refusals(".spec.template", Map.of("spec", Map.of("restartPolicy", "Always"))))
        .containsExactly("spec.template.spec.restartPolicy Always would restart an agent that finished; use "
            + "OnFailure (default) or Never");
    assertThat(refusals(".spec.template", Map.of("spec", Map.of("nodeName", "node-1"))))
        .containsExactly("spec.template.spec.nodeName pins the session to one node and prevents migration; use "
            + "nodeSelector or affinity instead");
    assertThat(refusals(".spec.template",
        Map.of("spec", Map.of("containers", List.of(Map.of("name", Tether.SUPERVISOR_CONTAINER))))))
        .containsExactly("spec.template.spec must not define a container named 'tether-supervisor': the "
            + "operator adds it");
    assertThat(refusals(".spec.checkpoint.mountPath", "/"))
        .containsExactly("spec.checkpoint.mountPath must not be /: the volume would hide the image's file system");
  }

  private static List<String> refusals(String path, Object self) throws Exception {
    List<String> messages = new ArrayList<>();
    for (Rule rule : rules) {
      if (rule.path().equals(path) && !evaluate(rule, self)) {
        messages.add(rule.message());
      }
    }
    return messages;
  }

  private static boolean evaluate(Rule rule, Object self) throws Exception {
    var ast = COMPILER.compile(rule.expression()).getAst();
    return (Boolean) RUNTIME.createProgram(ast).eval(Map.of("self", self));
  }
}
