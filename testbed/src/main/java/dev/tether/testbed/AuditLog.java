package dev.tether.testbed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The apiserver's audit log, recording every write request (create, update, patch, delete,
 * deletecollection) at Metadata level, so a benchmark can count the API writes a component makes.
 *
 * <p>Whose write it was: the audit event names the authenticated user (the client certificate's CN, or
 * {@code system:serviceaccount:<ns>:<name>} for a ServiceAccount token) and, when the request
 * impersonated someone, the impersonated user. {@link Event#user()} is the impersonated user if there is
 * one. To tell the operator's writes from a test's own, give the operator its own identity:
 * <ul>
 *   <li>a client certificate of its own: {@link ControlPlane#configFor(String, String...)}, plus RBAC for
 *       that user; or</li>
 *   <li>impersonation with the admin client: {@code config.setImpersonateUsername(
 *       "system:serviceaccount:tether-system:tether-operator")} (the admin may impersonate anyone), plus
 *       RBAC for that ServiceAccount, which then also checks the operator's permissions.</li>
 * </ul>
 *
 * <p>With the default blocking audit mode the event is written while the request is answered, not
 * necessarily before the client sees the response: wait for expected counts rather than reading once.
 */
public final class AuditLog {
  /** Audit policy: writes at Metadata level (no bodies), nothing else. */
  public static final String POLICY = """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: ["RequestReceived"]
      rules:
        - level: Metadata
          verbs: ["create", "update", "patch", "delete", "deletecollection"]
        - level: None
      """;

  public static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One write request. {@code resource} is e.g. "pods" or "pods/status" for a subresource. */
  public record Event(Instant received, String verb, String apiGroup, String resource, String namespace,
                      String name, String user, String authenticatedUser, int code, String userAgent) {}

  /** What {@link #countWrites(Instant, Instant)} groups by. */
  public record Key(String verb, String resource, String user) {}

  private final Path file;

  public AuditLog(Path file) {
    this.file = file;
  }

  /** Writes the policy into {@code dir} and returns the apiserver flags that log to {@code logFile}. */
  static List<String> apiServerFlags(Path dir, Path logFile) {
    Path policy = dir.resolve("audit-policy.yaml");
    try {
      Files.writeString(policy, POLICY);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.of(
        "--audit-policy-file=" + policy,
        "--audit-log-path=" + logFile,
        "--audit-log-format=json",
        // In megabytes: the default (100) would rotate the file away under a long benchmark.
        "--audit-log-maxsize=2048");
  }

  public Path file() {
    return file;
  }

  /** All write requests logged so far, oldest first. */
  public List<Event> events() {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<Event> events = new ArrayList<>();
    try (var lines = Files.lines(file)) {
      lines.forEach(line -> parse(line).ifPresent(events::add));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return events;
  }

  /** Write requests received in [from, to), matching {@code filter}. */
  public List<Event> events(Instant from, Instant to, Predicate<Event> filter) {
    return events().stream()
        .filter(e -> !e.received().isBefore(from) && e.received().isBefore(to))
        .filter(filter)
        .toList();
  }

  /** Number of write requests received in [from, to) by verb, resource and user. */
  public Map<Key, Long> countWrites(Instant from, Instant to) {
    return countWrites(from, to, e -> true);
  }

  /** Number of write requests received in [from, to) matching {@code filter}, by verb, resource and user. */
  public Map<Key, Long> countWrites(Instant from, Instant to, Predicate<Event> filter) {
    Map<Key, Long> counts = new TreeMap<>(Comparator.comparing(Key::user)
        .thenComparing(Key::resource).thenComparing(Key::verb));
    for (Event event : events(from, to, filter)) {
      counts.merge(new Key(event.verb(), event.resource(), event.user()), 1L, Long::sum);
    }
    return counts;
  }

  /** Number of write requests by {@code user} received in [from, to), failed ones (e.g. conflicts) included. */
  public long countWritesBy(String user, Instant from, Instant to) {
    return events(from, to, e -> e.user().equals(user)).size();
  }

  private static Optional<Event> parse(String line) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return Optional.empty(); // the last line may still be being written
    }
    if (node == null || !WRITE_VERBS.contains(node.path("verb").asText())
        || !Set.of("ResponseComplete", "Panic").contains(node.path("stage").asText())) {
      return Optional.empty();
    }
    JsonNode ref = node.path("objectRef");
    String resource = ref.path("resource").asText("");
    String subresource = ref.path("subresource").asText("");
    String authenticated = node.path("user").path("username").asText("");
    String impersonated = node.path("impersonatedUser").path("username").asText("");
    return Optional.of(new Event(
        Instant.parse(node.path("requestReceivedTimestamp").asText()),
        node.path("verb").asText(),
        ref.path("apiGroup").asText(""),
        subresource.isEmpty() ? resource : resource + "/" + subresource,
        ref.path("namespace").asText(""),
        ref.path("name").asText(""),
        impersonated.isEmpty() ? authenticated : impersonated,
        authenticated,
        node.path("responseStatus").path("code").asInt(0),
        node.path("userAgent").asText("")));
  }
}
