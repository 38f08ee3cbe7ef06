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
 */
public record RestoreRecord(long epoch, Long sequence, String digest, boolean fallback, String reason, Instant time) {
  public RestoreRecord {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(time, "time");
  }
}
