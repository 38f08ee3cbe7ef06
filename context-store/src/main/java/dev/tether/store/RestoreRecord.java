package dev.tether.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What one incarnation restored when it started.
 *
 * @param epoch the incarnation
 * @param sequence the checkpoint restored, or null when there was none to restore
 * @param digest its digest, or null
 * @param fallback true when a newer checkpoint existed but failed verification
 * @param reason {@code Latest}, {@code NoCheckpoint}, {@code DigestMismatch: ...}, ...
 * @param time when the check ran
 * @param source where the restored blob came from: {@link #VOLUME}, {@link #OBJECT_STORE}, or null (nothing restored)
 */
public record RestoreRecord(long epoch, Long sequence, String digest, boolean fallback, String reason, Instant time,
                            String source) {
  public static final String VOLUME = "Volume";
  public static final String OBJECT_STORE = "ObjectStore";

  public RestoreRecord {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(time, "time");
  }

  public RestoreRecord(long epoch, Long sequence, String digest, boolean fallback, String reason, Instant time) {
    this(epoch, sequence, digest, fallback, reason, time, sequence == null ? null : VOLUME);
  }
}
