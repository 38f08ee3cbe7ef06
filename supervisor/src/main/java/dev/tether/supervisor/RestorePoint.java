package dev.tether.supervisor;

import dev.tether.store.Manifest;
import dev.tether.store.RestoreRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The newest checkpoint whose blob verifies against its manifest, and why it is not the newest one when it is
 * not. Holds the verified blob open (the caller closes it), so retention cannot delete it under a reader.
 */
record RestorePoint(Manifest manifest, BlobStore.Opened blob, boolean fallback, String reason, boolean newestFailed)
    implements AutoCloseable {

  static final String LATEST = "Latest";
  static final String NO_CHECKPOINT = "NoCheckpoint";

  Optional<Manifest> restored() {
    return Optional.ofNullable(manifest);
  }

  /** Where the restored blob came from, or null when nothing is restored. */
  String source() {
    return blob == null ? null : blob.downloaded() ? RestoreRecord.OBJECT_STORE : RestoreRecord.VOLUME;
  }

  static RestorePoint find(List<Manifest> newestFirst, BlobStore blobs) throws IOException {
    if (newestFirst.isEmpty()) {
      return new RestorePoint(null, null, false, NO_CHECKPOINT, false);
    }
    List<Long> failed = new ArrayList<>();
    String firstFailure = null;
    for (Manifest manifest : newestFirst) {
      Optional<BlobStore.Opened> opened;
      try {
        opened = blobs.openForRestore(manifest);
      } catch (BlobStore.NotARegularFileException e) {
        failed.add(manifest.sequence());
        firstFailure = firstFailure == null ? "BlobNotARegularFile" : firstFailure;
        continue;
      }
      String failure;
      if (opened.isEmpty()) {
        failure = "BlobMissing";
      } else if (!opened.get().digest().equals(manifest.digest()) || opened.get().size() != manifest.size()) {
        opened.get().close();
        failure = "DigestMismatch";
      } else {
        if (failed.isEmpty()) {
          return new RestorePoint(manifest, opened.get(), false, LATEST, false);
        }
        return new RestorePoint(manifest, opened.get(), true,
            describe(firstFailure, failed) + ", restored " + manifest.sequence(), true);
      }
      failed.add(manifest.sequence());
      firstFailure = firstFailure == null ? failure : firstFailure;
    }
    return new RestorePoint(null, null, false, describe(firstFailure, failed) + ", nothing restored", true);
  }

  private static String describe(String kind, List<Long> failed) {
    String sequences = failed.stream().map(String::valueOf).collect(Collectors.joining(", "));
    return kind + ": sequence" + (failed.size() > 1 ? "s " : " ") + sequences + " failed verification";
  }

  @Override
  public void close() throws IOException {
    if (blob != null) {
      blob.close();
    }
  }
}
