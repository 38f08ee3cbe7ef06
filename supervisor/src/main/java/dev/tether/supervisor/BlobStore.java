package dev.tether.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.security.DigestOutputStream;
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

  private final Path dir;
  /** Null without an object-store tier. */
  private final ObjectStoreTier tier;

  BlobStore(Path checkpointDir) throws IOException {
    this(checkpointDir, null);
  }

  BlobStore(Path checkpointDir, ObjectStoreTier tier) throws IOException {
    this.dir = checkpointDir.resolve("checkpoints");
    this.tier = tier;
    Files.createDirectories(dir);
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
      staged = stage(manifest.sequence(), in, Long.MAX_VALUE);
    }
    try {
      if (!publishNew(staged, manifest.sequence())) {
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

  /** Copies at most {@code max} bytes into a temp file, computing the digest on the way, and fsyncs it. */
  Staged stage(long sequence, InputStream body, long max) throws IOException {
    Path temp = dir.resolve("." + sequence + "." + UUID.randomUUID() + ".tmp");
    MessageDigest sha256 = sha256();
    long size = 0;
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
         OutputStream out = new DigestOutputStream(Channels.newOutputStream(channel), sha256)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = body.read(buffer)) > 0; ) {
        size += n;
        if (size > max) {
          throw new TooLargeException(max);
        }
        out.write(buffer, 0, n);
      }
      out.flush();
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return new Staged(temp, "sha256:" + HexFormat.of().formatHex(sha256.digest()), size);
  }

  /**
   * Makes a staged blob visible under its sequence, but never over an existing file (a hard link fails
   * atomically if the name is taken): the file may belong to a checkpoint another incarnation committed.
   * Returns false, keeping the temp file, when the name is taken.
   */
  boolean publishNew(Staged staged, long sequence) throws IOException {
    try {
      Files.createLink(path(sequence), staged.temp());
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

  /** Replaces a leftover blob that is known not to be committed. */
  void publishReplacing(Staged staged, long sequence) throws IOException {
    Files.move(staged.temp(), path(sequence), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsyncDir();
  }

  void discard(Staged staged) {
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
        } else if (TEMP.matcher(name).matches() && Long.parseLong(name.substring(1, name.indexOf('.', 1))) <= tempsUpTo) {
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
