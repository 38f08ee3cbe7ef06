package dev.tether.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compiles every x-kubernetes-validations rule of the generated CRD with cel-java and evaluates it on objects it
 * must accept and objects it must refuse, as an apiserver since 1.25 does at admission. A rule added to the model
 * without a case that it accepts and one that it refuses fails {@link #everyRuleHasAValidAndAnInvalidCase()}.
 */
class CelValidationRulesTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8/agentsessions.tether.dev-v1.yml");
  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("self", SimpleType.DYN).build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private static final String ASYNC_RETAIN = "spec.checkpoint.objectStore.mode Asynchronous needs "
      + "spec.checkpoint.retain >= 2: the newest uploaded checkpoint is kept while a newer one waits for its upload";
  private static final String MOUNT_ROOT =
      "spec.checkpoint.mountPath must not be /: the volume would hide the image's file system";
  private static final String MOUNT_DOTS = "spec.checkpoint.mountPath must not contain '.' or '..' segments";
  private static final String NO_CONTAINERS = "spec.template.spec.containers must list at least one container";
  private static final String RESTART_ALWAYS = "spec.template.spec.restartPolicy Always would restart an agent "
      + "that finished; use OnFailure (default) or Never";
  private static final String NODE_NAME = "spec.template.spec.nodeName pins the session to one node and prevents "
      + "migration; use nodeSelector or affinity instead";

  /** A rule as the CRD carries it, with the schema path it sits on (".spec.checkpoint"). */
  record Rule(String path, String expression, String message) {}

  /** The value of self at a schema path, and the messages of the rules there that must refuse it (none: valid). */
  record Case(String path, Object self, Set<String> refusedBy) {}

  private static Case valid(String path, Object self) {
    return new Case(path, self, Set.of());
  }

  private static Case invalid(String path, Object self, String... refusedBy) {
    return new Case(path, self, Set.of(refusedBy));
  }

  private static final Map<String, Object> AGENT = Map.of("name", "agent", "image", "agent:1");

  private static final List<Case> CASES = List.of(
      valid(".spec.checkpoint", Map.of()),
      valid(".spec.checkpoint", Map.of("retain", 1L)),
      valid(".spec.checkpoint", Map.of("retain", 1L, "objectStore", Map.of("mode", "Synchronous"))),
      valid(".spec.checkpoint", Map.of("retain", 2L, "objectStore", Map.of("mode", "Asynchronous"))),
      valid(".spec.checkpoint", Map.of("objectStore", Map.of("bucket", "b"))),
      invalid(".spec.checkpoint", Map.of("retain", 1L, "objectStore", Map.of("mode", "Asynchronous")), ASYNC_RETAIN),

      valid(".spec.checkpoint.mountPath", "/var/lib/tether/checkpoints"),
      valid(".spec.checkpoint.mountPath", "/data/"),
      valid(".spec.checkpoint.mountPath", "/data/.hidden"),
      valid(".spec.checkpoint.mountPath", "/data/..x/a.."),
      invalid(".spec.checkpoint.mountPath", "/", MOUNT_ROOT),
      invalid(".spec.checkpoint.mountPath", "//", MOUNT_ROOT),
      invalid(".spec.checkpoint.mountPath", "/data/../etc", MOUNT_DOTS),
      invalid(".spec.checkpoint.mountPath", "/data/..", MOUNT_DOTS),
      invalid(".spec.checkpoint.mountPath", "/data/.", MOUNT_DOTS),
      invalid(".spec.checkpoint.mountPath", "/./data", MOUNT_DOTS),
      invalid(".spec.checkpoint.mountPath", "/..", MOUNT_DOTS),

      valid(".spec.template", Map.of("spec", Map.of("containers", List.of(AGENT)))),
      valid(".spec.template", Map.of("spec", Map.of("containers", List.of(AGENT, Map.of("name", "helper")),
          "restartPolicy", "OnFailure", "nodeName", " "))),
      valid(".spec.template", Map.of("spec", Map.of("containers", List.of(AGENT), "restartPolicy", "Never",
          "nodeName", ""))),
      invalid(".spec.template", Map.of(), NO_CONTAINERS),
      invalid(".spec.template", Map.of("spec", Map.of()), NO_CONTAINERS),
      invalid(".spec.template", Map.of("spec", Map.of("containers", List.of())), NO_CONTAINERS),
      invalid(".spec.template", Map.of("spec", Map.of("containers", List.of(AGENT), "restartPolicy", "Always")),
          RESTART_ALWAYS),
      invalid(".spec.template", Map.of("spec", Map.of("containers", List.of(AGENT), "nodeName", "node-1")),
          NODE_NAME),
      invalid(".spec.template", Map.of("spec", Map.of("restartPolicy", "Always", "nodeName", "node-1")),
          NO_CONTAINERS, RESTART_ALWAYS, NODE_NAME));

  private static List<Rule> rules;
  private static final Map<Rule, CelRuntime.Program> PROGRAMS = new HashMap<>();

  @BeforeAll
  static void readRules() throws IOException {
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
    if (schema.has("additionalProperties")) {
      collect(schema.get("additionalProperties"), path + "{}", into);
    }
  }

  @Test
  void everyRuleHasAValidAndAnInvalidCase() {
    assertThat(rules).extracting(Rule::message).doesNotHaveDuplicates()
        .containsExactlyInAnyOrder(ASYNC_RETAIN, MOUNT_ROOT, MOUNT_DOTS, NO_CONTAINERS, RESTART_ALWAYS, NODE_NAME);
    SoftAssertions soft = new SoftAssertions();
    for (Rule rule : rules) {
      soft.assertThat(rule.message()).as("message of %s", rule.expression()).isNotBlank();
      soft.assertThat(CASES).as("a case at %s that %s accepts", rule.path(), rule.expression())
          .anyMatch(c -> c.path().equals(rule.path()) && !c.refusedBy().contains(rule.message()));
      soft.assertThat(CASES).as("a case at %s that %s refuses", rule.path(), rule.expression())
          .anyMatch(c -> c.path().equals(rule.path()) && c.refusedBy().contains(rule.message()));
    }
    Set<String> known = rules.stream().map(r -> r.path() + " " + r.message()).collect(Collectors.toSet());
    for (Case c : CASES) {
      soft.assertThat(rules).as("rules at %s", c.path()).anyMatch(r -> r.path().equals(c.path()));
      for (String message : c.refusedBy()) {
        soft.assertThat(known).as("a rule at %s with message %s", c.path(), message).contains(c.path() + " " + message);
      }
    }
    soft.assertAll();
  }

  /** Valid objects pass every rule at their path; invalid ones are refused by exactly the rules named. */
  @Test
  void everyCaseIsRefusedByExactlyTheRulesItNames() {
    SoftAssertions soft = new SoftAssertions();
    for (Case c : CASES) {
      soft.assertThat(refusals(c.path(), c.self())).as("rules at %s refusing %s", c.path(), c.self())
          .isEqualTo(c.refusedBy());
    }
    soft.assertAll();
  }

  /** The shipped examples must still apply on a cluster that enforces the rules. */
  @Test
  void everyExamplePassesEveryRule() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<Path> examples;
    try (Stream<Path> files = Files.list(Path.of("../examples"))) {
      examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    int sessions = 0;
    SoftAssertions soft = new SoftAssertions();
    for (Path file : examples) {
      for (Object doc : yaml.readValues(yaml.createParser(file.toFile()), Object.class).readAll()) {
        if (!(doc instanceof Map<?, ?> object) || !"AgentSession".equals(object.get("kind"))) {
          continue;
        }
        sessions++;
        for (String path : rules.stream().map(Rule::path).collect(Collectors.toCollection(LinkedHashSet::new))) {
          Object self = at(object, path);
          if (self != null) {
            soft.assertThat(refusals(path, self)).as("%s at %s", file.getFileName(), path).isEmpty();
          }
        }
      }
    }
    soft.assertAll();
    assertThat(sessions).as("AgentSessions in examples/").isGreaterThanOrEqualTo(3);
  }

  private static Set<String> refusals(String path, Object self) {
    Set<String> refused = new LinkedHashSet<>();
    for (Rule rule : rules) {
      if (rule.path().equals(path) && !evaluate(rule, self)) {
        refused.add(rule.message());
      }
    }
    return refused;
  }

  /** Runs a rule as the apiserver would; a rule that does not compile or errors fails the test. */
  private static boolean evaluate(Rule rule, Object self) {
    try {
      Object result = program(rule).eval(Map.of("self", self));
      assertThat(result).as("result of %s", rule.expression()).isInstanceOf(Boolean.class);
      return (Boolean) result;
    } catch (Exception e) {
      throw new AssertionError("rule " + rule.expression() + " on " + self + ": " + e.getMessage(), e);
    }
  }

  private static CelRuntime.Program program(Rule rule) throws CelValidationException, CelEvaluationException {
    CelRuntime.Program program = PROGRAMS.get(rule);
    if (program == null) {
      program = RUNTIME.createProgram(COMPILER.compile(rule.expression()).getAst());
      PROGRAMS.put(rule, program);
    }
    return program;
  }

  /** The value at a schema path of a parsed object, with JSON integers as CEL's int (long); null when absent. */
  private static Object at(Map<?, ?> object, String path) {
    assertThat(path).as("schema path without list items or map values").doesNotContain("[]", "{}");
    Object value = object;
    for (String key : path.substring(1).split("\\.")) {
      if (!(value instanceof Map<?, ?> map) || !map.containsKey(key)) {
        return null;
      }
      value = map.get(key);
    }
    return asCel(value);
  }

  private static Object asCel(Object value) {
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, asCel(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(CelValidationRulesTest::asCel).toList();
    }
    return value;
  }
}
