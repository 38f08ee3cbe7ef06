package dev.tether.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void manifestRoundTripsWithRfc3339Time() {
    Manifest manifest = new Manifest(7, 2, DIGEST, 1024, Instant.parse("2026-01-02T03:04:05.123Z"),
        Map.of("step", "12", "tool", "search"), "req-1");
    byte[] json = Json.manifest(manifest);
    assertThat(new String(json, UTF_8)).contains("\"createdAt\":\"2026-01-02T03:04:05.123Z\"")
        .contains("\"digest\":\"" + DIGEST + "\"");
    assertThat(Json.manifest(json)).isEqualTo(manifest);
  }

  @Test
  void restoreRecordKeepsANullSequence() {
    RestoreRecord none = new RestoreRecord(3, null, null, false, "NoCheckpoint", Instant.EPOCH);
    assertThat(new String(Json.restore(none), UTF_8)).contains("\"sequence\":null");
    assertThat(Json.restore(Json.restore(none))).isEqualTo(none);
    RestoreRecord fallback = new RestoreRecord(3, 6L, DIGEST, true, "DigestMismatch", Instant.EPOCH);
    assertThat(Json.restore(Json.restore(fallback))).isEqualTo(fallback);
  }

  @Test
  void uploadStateRoundTripsWithAndWithoutAnError() {
    UploadState ok = UploadState.none(2).uploaded(9, Instant.parse("2026-01-02T03:04:05Z"), 0, null);
    assertThat(Json.uploads(Json.uploads(ok))).isEqualTo(ok);
    UploadState down = ok.failed("connect timed out", Instant.parse("2026-01-02T03:04:07Z"), 2,
        Instant.parse("2026-01-02T03:04:06Z"));
    assertThat(Json.uploads(Json.uploads(down))).isEqualTo(down);
    assertThat(down.failed("again", Instant.parse("2026-01-02T03:05:00Z"), 3, down.pendingSince()).errorSince())
        .as("the outage's start is kept").isEqualTo(down.errorSince());
    assertThat(down.recovered().error()).isNull();
  }

  @Test
  void checkpointRequestRoundTrips() {
    CheckpointRequest request = new CheckpointRequest("move-1", 4, Instant.parse("2026-01-02T03:04:05Z"));
    assertThat(Json.request(Json.request(request))).isEqualTo(request);
  }

  @Test
  void metadataIsLimited() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i <= Manifest.MAX_METADATA_ENTRIES; i++) {
      many.put("k" + i, "v");
    }
    assertThatThrownBy(() -> new Manifest(1, 1, DIGEST, 0, Instant.EPOCH, many))
        .hasMessageContaining("metadata entries");
    assertThatThrownBy(() -> new Manifest(1, 1, DIGEST, 0, Instant.EPOCH, Map.of("big", "x".repeat(5000))))
        .hasMessageContaining("bytes");
    assertThatThrownBy(() -> new Manifest(1, 1, DIGEST, 0, Instant.EPOCH, Map.of("bad key", "x")))
        .hasMessageContaining("metadata key");
    assertThatThrownBy(() -> new Manifest(1, 1, "md5:00", 0, Instant.EPOCH, Map.of()))
        .hasMessageContaining("digest");
  }
}
