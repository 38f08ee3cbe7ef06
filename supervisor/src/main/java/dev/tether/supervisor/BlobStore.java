package dev.tether.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoint blobs on the session volume: {@code <dir>/checkpoints/<sequence>.blob}. Writes are atomic and
 * durable (temp file, fsync, link or rename, fsync of the directory), so a crash leaves either the whole
 * blob or none.
 */
final class BlobStore {
  private static final Pattern BLOB = Pattern.compile("(\\d+)\\.blob");
  private static final Pattern TEMP = Pattern.compile("\\.\\d+\\..*\\.tmp");

  /** The room a new directory entry may need (one block). */
  private static final long DIRECTORY_ENTRY = 4096;

  private final Path dir;
  /** Temp files being written right now: never swept. */
  private final java.util.Set<Path> staging = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Null without an object-store tier. */
  private final ObjectStoreTier tier;
  private final VolumeSpace volume;

  BlobStore(Path checkpointDir) throws IOException {
    this(checkpointDir, null);
  }

  BlobStore(Path checkpointDir, ObjectStoreTier tier) throws IOException {
    this(checkpointDir, tier, VolumeSpace.REAL);
  }

  BlobStore(Path checkpointDir, ObjectStoreTier tier, VolumeSpace volume) throws IOException {
    this.dir = checkpointDir.resolve("checkpoints");
    this.tier = tier;
    this.volume = volume;
    Files.createDirectories(dir);
  }

  /** Usable bytes left on the checkpoint volume. */
  long usableSpace() throws IOException {
    return volume.usableSpace(dir);
  }

  Optional<ObjectStoreTier> tier() {
    return Optional.ofNullable(tier);
  }

  /**
   * The blob of a committed checkpoint: from the volume, or, when the volume does not have it (a fresh volume on
   * a new node) and the manifest names an object, downloaded from the object store onto the volume first. Empty
   * when neither has it. The caller verifies the digest; an unreachable store throws
   * {@link ObjectStoreTier.UnavailableException}, never an empty answer.
   */
  Optional<Opened> openForRestore(dev.tether.store.Manifest manifest) throws IOException {
    Optional<Opened> local = open(manifest.sequence());
    if (local.isPresent() || tier == null || manifest.object() == null) {
      return local;
    }
    Optional<InputStream> remote = tier.download(manifest.object());
    if (remote.isEmpty()) {
      return Optional.empty();
    }
    Staged staged;
    try (InputStream in = remote.get()) {
      // Nothing is pruned for a restore: the blobs on the volume are the fallbacks of the one downloaded.
      staged = stage(manifest.sequence(), in, Long.MAX_VALUE, -1, FullVolume.NO_PRUNING);
    }
    try {
      if (!publishNew(staged, manifest.sequence(), FullVolume.NO_PRUNING)) {
        return open(manifest.sequence()); // another reader of this volume fetched it first
      }
    } finally {
      discard(staged);
    }
    return open(manifest.sequence()).map(Opened::fromObjectStore);
  }

  Path path(long sequence) {
    return dir.resolve(sequence + ".blob");
  }

  /** A blob written to a temp file and flushed to disk, not yet visible under its sequence. */
  record Staged(Path temp, String digest, long size) {}

  static final class TooLargeException extends IOException {
    TooLargeException(long max) {
      super("checkpoint larger than " + max + " bytes");
    }
  }

  /** The volume has no room for a checkpoint, even after pruning: nothing is committed, the temp file is gone. */
  static final class InsufficientStorageException extends IOException {
    InsufficientStorageException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Frees room on the volume, in the caller's terms (which blobs may go); see {@link FullVolume}. */
  @FunctionalInterface
  interface Pruning {
    void prune() throws IOException;
  }

  /**
   * What one checkpoint may do when the volume is full: prune once. Then the write that failed is retried; a
   * second full volume (or a prune that freed too little) gives up with {@link InsufficientStorageException}.
   */
  static final class FullVolume {
    static final FullVolume NO_PRUNING = new FullVolume(null);

    private final Pruning pruning;
    private boolean pruned;

    FullVolume(Pruning pruning) {
      this.pruning = pruning;
    }

    synchronized boolean pruned() {
      return pruned;
    }

    /** Prunes unless this checkpoint already did (or may not): false then, and the checkpoint does not fit. */
    synchronized boolean pruneOnce() throws IOException {
      if (pruning == null || pruned) {
        return false;
      }
      pruned = true;
      pruning.prune();
      return true;
    }
  }

  /**
   * Copies at most {@code max} bytes into a temp file, computing the digest on the way, and fsyncs it.
   *
   * <p>A full volume: the body is a one-shot stream, so it is never read twice. Instead (1) with a known size
   * ({@code expected}, the Content-Length; -1 when chunked), the volume is pruned before the first byte is
   * written when it has less room than that; (2) when a write fails on a full volume part-way, the chunk being
   * written is still in memory and everything before it is in the temp file: after pruning, the temp file is cut
   * back to where that chunk starts and writing goes on from there, with the chunk and then the rest of the
   * stream. The digest is over the bytes read, each once. At most one prune per checkpoint ({@code full}); a write
   * that fails again gives {@link InsufficientStorageException}. A full volume at the final fsync is not retried:
   * after a failed fsync the kernel may have dropped the dirty pages, so the temp file cannot be trusted and the
   * body cannot be read again; the volume is pruned so that the agent's next attempt fits, and this one fails.
   */
  Staged stage(long sequence, InputStream body, long max, long expected, FullVolume full) throws IOException {
    Path temp = dir.resolve("." + sequence + "." + UUID.randomUUID() + ".tmp");
    // Staging runs beside other commits, whose retention sweeps temp files: this one is not a leftover.
    staging.add(temp);
    MessageDigest sha256 = sha256();
    long size = 0;
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      if (expected > 0 && usableSpaceOr(Long.MAX_VALUE) < expected) {
        full.pruneOnce();
      }
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = body.read(buffer)) > 0; ) {
        long chunkStart = size;
        size += n;
        if (size > max) {
          throw new TooLargeException(max);
        }
        sha256.update(buffer, 0, n);
        writeChunk(channel, temp, buffer, n, chunkStart, full);
      }
      try {
        channel.force(true);
      } catch (IOException e) {
        if (volume.isFull(e, dir, 0)) {
          full.pruneOnce();
          throw new InsufficientStorageException("the checkpoint volume was full when the checkpoint (" + size
              + " bytes) was flushed to disk" + (full.pruned() ? "; older checkpoints were pruned, retry" : ""), e);
        }
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      staging.remove(temp);
      Files.deleteIfExists(temp);
      throw e;
    }
    return new Staged(temp, "sha256:" + HexFormat.of().formatHex(sha256.digest()), size);
  }

  /** Writes one chunk at {@code chunkStart}; on a full volume prunes once and writes the whole chunk again. */
  private void writeChunk(FileChannel channel, Path temp, byte[] buffer, int n, long chunkStart, FullVolume full)
      throws IOException {
    try {
      volume.write(channel, temp, ByteBuffer.wrap(buffer, 0, n));
    } catch (IOException e) {
      if (!volume.isFull(e, dir, n)) {
        throw e;
      }
      if (!full.pruneOnce()) {
        throw insufficient(e, chunkStart + n, full);
      }
      // Whatever part of the chunk reached the file is dropped and written again, so the file never depends
      // on how far a failed write got.
      channel.truncate(chunkStart);
      channel.position(chunkStart);
      try {
        volume.write(channel, temp, ByteBuffer.wrap(buffer, 0, n));
      } catch (IOException again) {
        throw volume.isFull(again, dir, n) ? insufficient(again, chunkStart + n, full) : again;
      }
    }
  }

  private InsufficientStorageException insufficient(IOException cause, long needed, FullVolume full) {
    long usable = usableSpaceOr(-1);
    return new InsufficientStorageException("the checkpoint volume is full: " + (usable < 0 ? "unknown" : usable)
        + " bytes left" + (full.pruned() ? " after pruning older checkpoints" : "") + ", the checkpoint needs at least "
        + needed + " bytes", cause);
  }

  /** The usable space, or {@code unknown} when the file system does not say. */
  private long usableSpaceOr(long unknown) {
    try {
      return volume.usableSpace(dir);
    } catch (IOException | RuntimeException e) {
      return unknown;
    }
  }

  /**
   * Makes a staged blob visible under its sequence, but never over an existing file (a hard link fails
   * atomically if the name is taken): the file may belong to a checkpoint another incarnation committed.
   * Returns false, keeping the temp file, when the name is taken.
   */
  boolean publishNew(Staged staged, long sequence, FullVolume full) throws IOException {
    try {
      link(staged, sequence, full);
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (UnsupportedOperationException e) {
      // No hard links on this file system: rename without replacing (not atomic, but checked).
      if (Files.exists(path(sequence))) {
        return false;
      }
      Files.move(staged.temp(), path(sequence), StandardCopyOption.ATOMIC_MOVE);
      fsyncDir();
      return true;
    }
    Files.delete(staged.temp());
    fsyncDir();
    return true;
  }

  /** The name may need a new directory block: on a full volume, prune once and link again. */
  private void link(Staged staged, long sequence, FullVolume full) throws IOException {
    try {
      volume.link(path(sequence), staged.temp());
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException e) {
      if (!volume.isFull(e, dir, DIRECTORY_ENTRY)) {
        throw e;
      }
      if (!full.pruneOnce()) {
        throw insufficient(e, staged.size(), full);
      }
      try {
        volume.link(path(sequence), staged.temp());
      } catch (FileAlreadyExistsException again) {
        throw again;
      } catch (IOException again) {
        throw volume.isFull(again, dir, DIRECTORY_ENTRY) ? insufficient(again, staged.size(), full) : again;
      }
    }
  }

  /** Replaces a leftover blob that is known not to be committed. */
  void publishReplacing(Staged staged, long sequence) throws IOException {
    Files.move(staged.temp(), path(sequence), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsyncDir();
  }

  void discard(Staged staged) {
    staging.remove(staged.temp());
    try {
      Files.deleteIfExists(staged.temp());
    } catch (IOException ignored) {
      // a temp file is swept later
    }
  }

  /** An open blob whose digest was computed from the same open file that will be streamed. */
  record Opened(FileChannel channel, String digest, long size, boolean downloaded) implements AutoCloseable {
    Opened(FileChannel channel, String digest, long size) {
      this(channel, digest, size, false);
    }

    Opened fromObjectStore() {
      return new Opened(channel, digest, size, true);
    }

    InputStream stream() throws IOException {
      channel.position(0);
      return Channels.newInputStream(channel);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * Opens and hashes a blob; empty when the file is missing. Links are never followed and only a regular file
   * is read: the volume is writable by the agent, which could point {@code N.blob} at a file of the supervisor
   * (a link) or make it block every reader (a FIFO).
   */
  Optional<Opened> open(long sequence) throws IOException {
    Path path = path(sequence);
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!attributes.isRegularFile()) {
      throw new NotARegularFileException(path, attributes.isSymbolicLink() ? "a symbolic link" : "not a regular file");
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      MessageDigest sha256 = sha256();
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      long size = 0;
      for (int n; (n = channel.read(buffer)) > 0; ) {
        buffer.flip();
        sha256.update(buffer);
        buffer.clear();
        size += n;
      }
      return Optional.of(new Opened(channel, "sha256:" + HexFormat.of().formatHex(sha256.digest()), size));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  void delete(long sequence) throws IOException {
    Files.deleteIfExists(path(sequence));
  }

  /**
   * Deletes blobs up to {@code blobsUpTo} (pruned checkpoints and leftovers of failed attempts below them) and
   * temp files of attempts up to {@code tempsUpTo}.
   */
  void sweep(long blobsUpTo, long tempsUpTo) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        Matcher blob = BLOB.matcher(name);
        if (blob.matches() && Long.parseLong(blob.group(1)) <= blobsUpTo) {
          Files.deleteIfExists(file);
        } else if (TEMP.matcher(name).matches() && Long.parseLong(name.substring(1, name.indexOf('.', 1))) <= tempsUpTo
            && !staging.contains(file)) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  private void fsyncDir() throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A blob path that is a link, a directory or a special file: never read, and treated like a corrupt blob. */
  static final class NotARegularFileException extends FileSystemException {
    NotARegularFileException(Path path, String what) {
      super(path.toString(), null, what);
    }
  }
}
