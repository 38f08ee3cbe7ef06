package dev.tether.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  private static final String STATUS_PATCH_AS_OPERATOR = """
      {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseComplete",\
      "verb":"patch","user":{"username":"kubeapitest","groups":["system:masters"]},\
      "impersonatedUser":{"username":"system:serviceaccount:tether:operator"},\
      "objectRef":{"resource":"agentsessions","namespace":"ns1","name":"s1","apiGroup":"tether.dev",\
      "subresource":"status"},"responseStatus":{"code":200},\
      "requestReceivedTimestamp":"2026-11-27T10:00:01.000100Z","stageTimestamp":"2026-11-27T10:00:01.002000Z"}""";
  private static final String CREATE_BY_CERTIFICATE_USER = """
      {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseComplete",\
      "verb":"create","user":{"username":"system:kube-controller-manager"},\
      "objectRef":{"resource":"pods","namespace":"ns1","apiVersion":"v1"},"responseStatus":{"code":201},\
      "requestReceivedTimestamp":"2026-11-27T10:00:02Z","stageTimestamp":"2026-11-27T10:00:02.1Z"}""";
  private static final String WATCH = """
      {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseStarted","verb":"watch",\
      "user":{"username":"kubeapitest"},"requestReceivedTimestamp":"2026-11-27T10:00:01Z"}""";

  @Test
  void readsWhoWroteWhatAndSkipsTheRest(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("audit.log");
    Files.write(file, List.of(STATUS_PATCH_AS_OPERATOR, WATCH, CREATE_BY_CERTIFICATE_USER, "{\"kind\":\"Ev"));
    AuditLog log = new AuditLog(file);

    assertThat(log.events()).hasSize(2);
    AuditLog.Event patch = log.events().get(0);
    assertThat(patch.user()).isEqualTo("system:serviceaccount:tether:operator");
    assertThat(patch.authenticatedUser()).isEqualTo("kubeapitest");
    assertThat(patch.resource()).isEqualTo("agentsessions/status");
    assertThat(patch.apiGroup()).isEqualTo("tether.dev");
    assertThat(patch.code()).isEqualTo(200);

    Instant from = Instant.parse("2026-11-27T10:00:00Z");
    assertThat(log.countWrites(from, Instant.parse("2026-11-27T10:00:03Z"))).isEqualTo(Map.of(
        new AuditLog.Key("patch", "agentsessions/status", "system:serviceaccount:tether:operator"), 1L,
        new AuditLog.Key("create", "pods", "system:kube-controller-manager"), 1L));
    assertThat(log.countWritesBy("system:kube-controller-manager", from, Instant.parse("2026-11-27T10:00:02Z")))
        .as("the window's end is exclusive").isZero();
  }

  @Test
  void aLogNotWrittenYetIsEmpty(@TempDir Path dir) {
    assertThat(new AuditLog(dir.resolve("audit.log")).events()).isEmpty();
  }
}
