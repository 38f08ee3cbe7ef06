package dev.tether.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What etcd knows about one committed checkpoint; the blob itself lives on the session's volume.
 *
 * @param sequence position in the session's history, strictly increasing across incarnations
 * @param epoch fencing epoch of the incarnation that committed it
 * @param digest {@code sha256:<64 lowercase hex digits>} of the blob
 * @param size blob size in bytes
 * @param createdAt commit time
 * @param metadata small agent-supplied labels (see {@link #MAX_METADATA_ENTRIES}, {@link #MAX_METADATA_BYTES})
 * @param answersRequest id of the {@link CheckpointRequest} this checkpoint answers, or null
 * @param object key of the blob's copy in the session's object store ({@link ObjectKeys}), or null without one
 */
public record Manifest(long sequence, long epoch, String digest, long size, Instant createdAt,
                       Map<String, String> metadata, String answersRequest, String object) {
  public static final int MAX_METADATA_ENTRIES = 32;
  /** Sum of key and value lengths (UTF-8): manifests are read on every restore, keep them small. */
  public static final int MAX_METADATA_BYTES = 4096;
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,62}");

  public Manifest {
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence must be >= 1: " + sequence);
    }
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be >= 1: " + epoch);
    }
    if (digest == null || !DIGEST.matcher(digest).matches()) {
      throw new IllegalArgumentException("digest must be sha256:<hex>: " + digest);
    }
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0: " + size);
    }
    Objects.requireNonNull(createdAt, "createdAt");
    metadata = validMetadata(metadata);
  }

  public Manifest(long sequence, long epoch, String digest, long size, Instant createdAt, Map<String, String> metadata) {
    this(sequence, epoch, digest, size, createdAt, metadata, null, null);
  }

  public Manifest(long sequence, long epoch, String digest, long size, Instant createdAt, Map<String, String> metadata,
                  String answersRequest) {
    this(sequence, epoch, digest, size, createdAt, metadata, answersRequest, null);
  }

  /** Checks the metadata limits; returns an immutable sorted copy. */
  public static Map<String, String> validMetadata(Map<String, String> metadata) {
    if (metadata == null) {
      return Map.of();
    }
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw new IllegalArgumentException("at most " + MAX_METADATA_ENTRIES + " metadata entries, got " + metadata.size());
    }
    int bytes = 0;
    for (var entry : metadata.entrySet()) {
      if (!META_KEY.matcher(entry.getKey()).matches()) {
        throw new IllegalArgumentException("metadata key must match " + META_KEY + ": '" + entry.getKey() + "'");
      }
      Objects.requireNonNull(entry.getValue(), "metadata value of " + entry.getKey());
      bytes += entry.getKey().length() + entry.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new IllegalArgumentException("metadata is " + bytes + " bytes, at most " + MAX_METADATA_BYTES);
    }
    return java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
  }

  public Manifest answering(String requestId) {
    return new Manifest(sequence, epoch, digest, size, createdAt, metadata, requestId, object);
  }

  public Manifest withObject(String key) {
    return new Manifest(sequence, epoch, digest, size, createdAt, metadata, answersRequest, key);
  }
}
