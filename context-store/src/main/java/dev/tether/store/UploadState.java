package dev.tether.store;

import java.time.Instant;

/**
 * How far the object-store tier of incarnation {@code epoch} is: written by its supervisor, read by the operator
 * for status. With asynchronous uploads {@code pending} committed checkpoints are not in the object store yet,
 * the oldest committed at {@code pendingSince}: they would not survive the loss of the volume.
 *
 * @param uploadedSequence the newest checkpoint in the object store (0 for none)
 * @param error why the last call to the object store failed, null once one succeeds again
 */
public record UploadState(long epoch, long uploadedSequence, Instant uploadedAt, int pending, Instant pendingSince,
                          String error, Instant errorSince) {

  public static UploadState none(long epoch) {
    return new UploadState(epoch, 0, null, 0, null, null, null);
  }

  public UploadState uploaded(long sequence, Instant at, int stillPending, Instant oldestPending) {
    return new UploadState(epoch, Math.max(sequence, uploadedSequence), at, stillPending, oldestPending, null, null);
  }

  public UploadState failed(String why, Instant at, int stillPending, Instant oldestPending) {
    return new UploadState(epoch, uploadedSequence, uploadedAt, stillPending, oldestPending, why,
        errorSince == null ? at : errorSince);
  }

  public UploadState recovered() {
    return new UploadState(epoch, uploadedSequence, uploadedAt, pending, pendingSince, null, null);
  }
}
